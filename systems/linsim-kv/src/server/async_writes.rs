//! Asynchronous storage writes, as etcd's `AsyncStorageWrites`, over a RawNode the
//! server drives on its loop (`storage=async`) or over etcd's Node API, raft in a task
//! of its own (`storage=node`, see `driver`); the protocol is
//! `linsim_raft::async_storage`'s.
//!
//! The server's loop never waits for the disk. Each Ready's messages are routed: those to
//! peers leave at once (MsgApp, heartbeats, vote requests: none promises durable
//! state); the MsgStorageAppend goes to the append task, a task of this node with its
//! own fsync latency, so a leader's fsync overlaps its replication and the loop keeps
//! taking inputs meanwhile; the MsgStorageApply is applied on the loop at once (the
//! state machine has one owner, and raft hands out only entries durable here), and its
//! responses are stepped back.
//!
//! The append task writes a batch of appends to the page cache, fsyncs once, and only
//! then releases their responses to peers (the votes and acks that promise what was
//! just synced: durable-before-send is checked at that moment). The writes come back to
//! the loop as `Input::Appended`, which makes them visible in raft's storage and steps
//! the responses addressed to this server (MsgStorageAppendResp, a candidate's own
//! vote). A crash kills the task with its queue: nothing unsynced is released, and no
//! response of this incarnation reaches the next.

use super::{fsync, Driver, Input, Server};
use crate::bugs::{KvBugs, SimBug};
use crate::convert;
use crate::durable::{Stored, Writes};
use crate::probes::probe;
use crate::wire;
use futures::channel::mpsc;
use futures::StreamExt;
use linsim_raft::async_storage::{hard_state_of, route, Routed};
use linsim_raft::{Message, MessageType, Ready};
use linsim_sim::disk::DiskHandle;
use linsim_sim::stats::Counters;
use linsim_sim::system::{PeerSender, RaftDurable, RaftEvents, ServerNode};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Readies handled in one go at most (a RawNode): raft has none left after each
/// `ready`, so this only bounds a loop that would otherwise spin on a raft that always
/// has one.
const MAX_READIES: usize = 64;

impl Server {
    /// `storage=async`: takes every Ready the RawNode has and routes it.
    pub(super) fn process_raw_readies_async(&mut self) {
        for _ in 0..MAX_READIES {
            let raw = self.node.raw();
            if !raw.has_ready() {
                return;
            }
            let mut rd = raw.ready();
            let routed = route(std::mem::take(&mut rd.messages));
            let leader_self_match = self.node.raw_leader_self_match();
            let applies = self.route_ready(rd, routed, leader_self_match);
            for m in applies {
                if !self.bugs.has(SimBug::ApplyBeforeCommit) {
                    for e in &m.entries {
                        self.apply(e);
                    }
                }
                self.report_applied(m.responses);
            }
            self.serve_confirmed_reads();
        }
    }

    /// `storage=node`: routes a Ready from raft's task. What the server knows of raft
    /// it learns from the Ready; a leader's own match index it asks `Status` for.
    pub(super) async fn process_node_ready(&mut self, mut rd: Ready) {
        let routed = route(std::mem::take(&mut rd.messages));
        let Driver::Node(n) = &mut self.node else {
            unreachable!("only storage=node takes Readies from a Node");
        };
        if let Some(ss) = &rd.soft_state {
            n.role.1 = ss.raft_state;
        }
        if let Some(hs) = &rd.hard_state {
            n.role.0 = hs.term;
            n.committed = hs.commit;
        }
        // Raft's log now holds what it hands out to be appended.
        for m in &routed.append {
            let snap = m
                .snapshot
                .as_ref()
                .map(|s| (s.metadata.index, s.metadata.term));
            n.unstable.handed_out(snap, &m.entries);
        }
        let leader_self_match = self.node.leader_self_match(self.id).await;
        let applies = self.route_ready(rd, routed, leader_self_match);
        for m in applies {
            if !self.bugs.has(SimBug::ApplyBeforeCommit) {
                for e in &m.entries {
                    self.apply_waiting(e).await;
                }
            }
            self.report_applied(m.responses);
        }
        self.serve_confirmed_reads();
    }

    /// Routes a Ready without waiting for the disk: reports role and commit changes
    /// (at once, as in sync mode), sends what needs nothing durable, queues the
    /// appends; returns the MsgStorageApplies, for the caller to apply.
    fn route_ready(
        &mut self,
        mut rd: Ready,
        routed: Routed,
        leader_self_match: Option<u64>,
    ) -> Vec<Message> {
        self.report_state(rd.hard_state.map(|hs| hs.commit));
        self.take_read_states(std::mem::take(&mut rd.read_states));
        self.send_now(&routed.peers, leader_self_match);
        for m in routed.append {
            self.queue_append(m, leader_self_match);
        }
        routed.apply
    }

    /// The apply thread's answers (MsgStorageApplyResp): stepped back at once, or after
    /// the apply latency, as an apply thread that reports late (raft's applied index,
    /// which gates campaigns and the auto-leave, then trails the state machine's).
    fn report_applied(&mut self, responses: Vec<Message>) {
        match &self.apply_reports {
            Some(tx) if !responses.is_empty() => {
                let due = self.ctx.now_ns() + self.ctx.knobs().apply_latency_us * 1_000;
                // The task dies only with this node, and the loop with it.
                let _ = tx.unbounded_send((due, responses));
            }
            _ => self.step_responses(responses),
        }
    }

    /// Steps storage responses back into raft.
    pub(super) fn step_responses(&mut self, responses: Vec<Message>) {
        for r in responses {
            self.node.step(r);
        }
    }

    /// Sends messages that need nothing durable, checked against what is durable now.
    fn send_now(&self, messages: &[Message], leader_self_match: Option<u64>) {
        if messages.is_empty() {
            return;
        }
        let node = &self.node;
        let log_term_at = |_: &dyn RaftDurable, i: u64| node.log_term(i);
        // A vote request may leave before the candidate's own vote is durable: raft
        // counts that vote only when the append task hands it back after the sync, so
        // a crash in between cannot let the candidate win on a vote it then forgets.
        // Every other message is checked as in sync mode (a leader's own match index
        // above all: it must count only its durable log toward commit).
        let checked = messages
            .iter()
            .filter(|m| m.msg_type != MessageType::MsgVote);
        self.check_sent(checked, &log_term_at, leader_self_match);
        let peers = self.ctx.sender();
        for m in messages {
            wire::send_raft(&peers, self.ctx.stats(), m);
        }
    }

    /// Hands a MsgStorageAppend to the append task.
    fn queue_append(&mut self, mut m: Message, leader_self_match: Option<u64>) {
        if let (Some(snap), Driver::Raw(_)) = (&m.snapshot, &self.node) {
            // Raft restored its configuration from this snapshot as it took it in;
            // note it for when the snapshot is installed, after its sync.
            let conf = self.node.conf_state();
            self.restored_confs.insert(snap.metadata.index, conf);
        }
        if self.bugs.has(SimBug::AckBeforeFsync) {
            // Bug: the votes and acks leave now, before the append task has even
            // written what they promise.
            let (peers, own) = std::mem::take(&mut m.responses)
                .into_iter()
                .partition::<Vec<_>, _>(|r| r.to != self.id);
            m.responses = own;
            self.send_now(&peers, leader_self_match);
        }
        let appends = self
            .appends
            .as_ref()
            .expect("async mode has an append task");
        // The task dies only with this node, and the loop with it.
        let _ = appends.unbounded_send(m);
    }

    /// The append task synced these appends: raft's storage takes their writes, in
    /// order, and their own responses are stepped back (marking the entries stable and,
    /// for a leader, counting its own log toward commit only now).
    pub(super) fn appended(&mut self, appends: Vec<Message>) {
        for m in appends {
            self.store_appended(&m);
            if self.bugs.has(SimBug::ApplyBeforeCommit) {
                // Bug: applied as soon as appended, committed or not.
                for e in &m.entries {
                    self.apply(e);
                }
            }
            self.step_responses(m.responses);
        }
        // A snapshot installed here moved the state machine forward: reads waiting for
        // it may be answered now (found by read-progress: register seed 1277 dropped
        // a read it could answer).
        self.serve_confirmed_reads();
    }

    /// As `appended`, where the apply-before-commit bug must wait for a Node's task to
    /// apply a membership change.
    pub(super) async fn appended_waiting(&mut self, appends: Vec<Message>) {
        for m in appends {
            self.store_appended(&m);
            if self.bugs.has(SimBug::ApplyBeforeCommit) {
                for e in &m.entries {
                    self.apply_waiting(e).await;
                }
            }
            self.step_responses(m.responses);
        }
        self.serve_confirmed_reads();
    }

    /// Raft's storage takes a synced append's writes.
    fn store_appended(&mut self, m: &Message) {
        probe!(AsyncAppendDurable);
        // The snapshot goes first: the entries of this append follow it.
        if let Some(snap) = &m.snapshot {
            self.install_snapshot(snap);
        }
        self.node.with_store(|store| {
            if let Some(hs) = hard_state_of(m) {
                store.set_hard_state(hs);
            }
            store.append(&m.entries);
        });
        if let Driver::Node(n) = &mut self.node {
            let snap = m.snapshot.as_ref().map(|s| s.metadata.index);
            n.unstable.stored(snap, &m.entries);
        }
    }
}

/// Starts the server's apply reporter: it hands each batch of apply responses back to
/// the raft loop (`Input::AppliedReported`) at its due time, in order; returns its
/// queue.
pub(super) fn spawn_apply_reporter(
    ctx: &ServerNode,
    inputs: mpsc::UnboundedSender<Input>,
) -> mpsc::UnboundedSender<(u64, Vec<Message>)> {
    let (tx, mut rx) = mpsc::unbounded::<(u64, Vec<Message>)>();
    let clock = ctx.clock();
    madsim::task::spawn(async move {
        while let Some((due, responses)) = rx.next().await {
            let now = clock.now_ns();
            if due > now {
                madsim::time::sleep(std::time::Duration::from_nanos(due - now)).await;
            }
            if inputs
                .unbounded_send(Input::AppliedReported(responses))
                .is_err()
            {
                return;
            }
        }
    });
    tx
}

/// What the append task holds: the server's disk, its observer handle, its way to
/// send, and its settings.
struct AppendTask {
    id: u64,
    disk: DiskHandle<Stored>,
    events: RaftEvents,
    peers: PeerSender,
    stats: Arc<Counters>,
    bugs: KvBugs,
}

/// Starts the server's append task; returns its queue. Synced writes go back to the
/// raft loop through `inputs`.
pub(super) fn spawn_append_task(
    ctx: &ServerNode,
    disk: DiskHandle<Stored>,
    bugs: KvBugs,
    inputs: mpsc::UnboundedSender<Input>,
) -> mpsc::UnboundedSender<Message> {
    let (tx, mut rx) = mpsc::unbounded::<Message>();
    let task = AppendTask {
        id: ctx.id(),
        disk,
        events: ctx.raft().clone(),
        peers: ctx.sender(),
        stats: ctx.stats().clone(),
        bugs,
    };
    let ready_batch = ctx.knobs().ready_batch;
    madsim::task::spawn(async move {
        let mut next = None;
        loop {
            let first = match next.take() {
                Some(m) => m,
                None => match rx.next().await {
                    Some(m) => m,
                    None => return,
                },
            };
            let batch;
            (batch, next) = take_batch(first, &mut rx, ready_batch);
            let batch = write_and_sync(&task, batch).await;
            if inputs.unbounded_send(Input::Appended(batch)).is_err() {
                return;
            }
        }
    });
    tx
}

/// Group commit: the appends already queued behind `first` (up to `max` in all) share
/// one fsync. An append that installs a snapshot or rewrites an index written earlier
/// in the batch starts the next batch instead (returned apart): every response of a
/// batch is then checked against a durable log that still holds what it acknowledged
/// (a new leader's rewrite of it is synced after it is released).
fn take_batch(
    first: Message,
    rx: &mut mpsc::UnboundedReceiver<Message>,
    max: usize,
) -> (Vec<Message>, Option<Message>) {
    let mut last = first.entries.last().map(|e| e.index);
    let mut batch = vec![first];
    while batch.len() < max {
        let Ok(m) = rx.try_recv() else {
            break;
        };
        let rewrites = matches!((m.entries.first(), last), (Some(e), Some(l)) if e.index <= l);
        if rewrites || m.snapshot.is_some() {
            return (batch, Some(m));
        }
        last = m.entries.last().map(|e| e.index).or(last);
        batch.push(m);
    }
    if batch.len() > 1 {
        probe!(AsyncAppendsGroupCommitted);
    }
    (batch, None)
}

/// Writes a batch of appends, fsyncs (taking the fsync latency, while the raft loop
/// runs on), and releases the responses to peers. Returns the batch with only the
/// responses addressed to this server left.
async fn write_and_sync(task: &AppendTask, mut batch: Vec<Message>) -> Vec<Message> {
    let (id, bugs) = (task.id, task.bugs);
    let must_sync = task.disk.with(|disk| {
        let durable = disk.durable().hard_state();
        let mut must_sync = false;
        for m in &batch {
            if let Some(snap) = &m.snapshot {
                disk.write_installed_snapshot(snap);
                must_sync = true;
            }
            disk.write_entries(&m.entries);
            must_sync |= !m.entries.is_empty();
            if let Some(hs) = hard_state_of(m) {
                disk.write_hard_state(hs);
                // A commit index alone need not survive a crash; a term or vote must.
                must_sync |= (hs.term, hs.vote) != (durable.term, durable.vote);
            }
        }
        must_sync
    });
    let hard_state_only = batch
        .iter()
        .all(|m| m.entries.is_empty() && m.snapshot.is_none());
    if must_sync && !(bugs.has(SimBug::UnsyncedVote) && hard_state_only) {
        // The fsync runs on this task: the raft loop keeps sending and taking inputs.
        fsync(&task.disk, &task.events).await;
    }
    // Only now may the votes and acks leave: what they promise is durable. Each is
    // checked with the log as its append wrote it (the batch's entries so far, then
    // what earlier batches made durable).
    let mut terms = BTreeMap::new();
    for m in &mut batch {
        terms.extend(m.entries.iter().map(|e| (e.index, e.term)));
        let (peers, own) = std::mem::take(&mut m.responses)
            .into_iter()
            .partition::<Vec<_>, _>(|r| r.to != id);
        m.responses = own;
        let log_term_at =
            |disk: &dyn RaftDurable, i: u64| terms.get(&i).copied().or_else(|| disk.term(i));
        let sent = peers.iter().map(convert::sent);
        task.events.sent(sent, &log_term_at, None);
        for r in &peers {
            wire::send_raft(&task.peers, &task.stats, r);
        }
    }
    batch
}
