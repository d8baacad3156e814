//! A server: raft over the server's disk, a KV state machine, raft messages over the
//! simulated network, and the client protocol, on the handles the framework gives it
//! (`ServerNode`). The knob `storage` picks how it
//! drives raft and writes (`driver`): a RawNode in the classic synchronous Ready loop
//! (`sync_ready`), or etcd's Node API with asynchronous storage writes
//! (`async_writes`); both apply through `apply`.

mod apply;
mod async_writes;
mod driver;
mod sync_ready;

use crate::bugs::{KvBugs, SimBug};
use crate::convert;
use crate::durable::{entries_of, Stored};
use crate::kv::{KvCommand, KvResult, KvStore, Proposal, Request, Response};
use crate::probes::probe;
use crate::wire;
use driver::{Driver, NodeDriver, UnstableLog};
use futures::channel::mpsc;
use futures::future::{self, Either};
use futures::StreamExt;
use linsim_raft::{
    Config, HardState, Message, Node, RawNode, ReadOnlyOption, SharedStorage, StateType, Storage,
    NONE,
};
use linsim_sim::disk::DiskHandle;
use linsim_sim::net::{ClientAddr, Delivery};
use linsim_sim::system::{RaftDurable, ServerNode};
use linsim_sim::{ClientRouting, ReadPath, StorageMode};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tracing::debug;

/// What a server takes in: ticks, raft messages, client requests, admin commands.
pub enum Input {
    /// One tick of its clock.
    Tick,
    /// A raft message from a peer.
    Raft(Message),
    /// A client request and where to answer.
    Client(Request, ClientAddr),
    /// An operator's command.
    Admin(AdminCommand),
    /// Async storage writes: MsgStorageAppends the append task has written and synced
    /// (one fsync), in order, holding only their responses addressed to this server
    /// (those to peers are sent already).
    Appended(Vec<Message>),
    /// Async storage writes: the apply thread's responses, reported after the apply
    /// latency (knob `apply_latency_us`).
    AppliedReported(Vec<Message>),
}

/// Commands an operator (the nemesis) gives a server directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminCommand {
    /// Ask raft to transfer leadership to this server (a follower forwards it to its
    /// leader).
    TransferLeader(u64),
    /// Write this server's raft status into the trace (for a failure report).
    TraceStatus,
    /// Propose a membership change (the nemesis asks the leader; a follower forwards
    /// it to its leader).
    ProposeConfChange(linsim_raft::ConfChangeV2),
    /// A peer refused this server's vote request: it is not a member of the peer's
    /// configuration (as etcd's transport answers a removed member). The server stops
    /// campaigning until a leader replicates to it again.
    Removed,
    /// The transport's word on a snapshot sent to `to`: delivered, or lost on the way
    /// (etcd's `ReportSnapshot`; without it the follower's progress waits in
    /// StateSnapshot forever after a lost MsgSnap).
    ReportSnapshot {
        /// The follower it was sent to.
        to: u64,
        /// Whether it arrived.
        delivered: bool,
    },
}

/// A ReadIndex read a server asked raft to confirm.
struct PendingRead {
    /// Where to answer.
    client: ClientAddr,
    /// The client's request id.
    id: u64,
    /// The key read.
    key: String,
    /// Virtual time it was asked, ns.
    asked_ns: u64,
    /// When raft confirmed it, if it did (its read state is in `confirmed_reads`).
    confirmed_ns: Option<u64>,
}

/// How long a server waits for raft to confirm a ReadIndex read, and then for its state
/// machine to reach the read index, in election timeouts, before it tells the client
/// to retry (as etcd's read loop gives up on a read index that never comes): raft
/// drops a read silently when its message to the leader is lost or the leader loses
/// office, and a server removed from the configuration without learning it never
/// applies the entries a read index names.
const READ_TIMEOUT_ELECTIONS: u32 = 2;

struct Server {
    id: u64,
    /// The handles the framework gave this server.
    ctx: ServerNode,
    /// Its disk.
    disk: DiskHandle<Stored>,
    /// The bugs it runs with.
    bugs: KvBugs,
    node: Driver,
    kv: KvStore,
    /// Requests this server proposed (or forwarded), waiting to be applied: request id
    /// -> (client, whether a follower forwarded it).
    pending: BTreeMap<u64, (ClientAddr, bool)>,
    /// ReadIndex reads asked by clients of this server, by context.
    reads: BTreeMap<Vec<u8>, PendingRead>,
    /// Read states raft confirmed, waiting until the state machine reaches their index.
    confirmed_reads: Vec<linsim_raft::ReadState>,
    /// The last index applied to the state machine.
    applied: u64,
    role: (u64, StateType),
    /// Async storage writes: the queue of the append task.
    appends: Option<mpsc::UnboundedSender<Message>>,
    /// Async storage writes with an apply latency: the queue of the apply reporter.
    apply_reports: Option<mpsc::UnboundedSender<(u64, Vec<Message>)>>,
    /// Ticks of its clock taken since it started.
    ticks: u64,
    /// Told by a peer that it is not a member (`AdminCommand::Removed`): its clock does
    /// not drive raft (no campaigns) until a leader's message arrives.
    removed: bool,
    /// How many times the server restarted before this run of it.
    incarnation: u64,
    /// Async storage writes over a RawNode: the configuration raft restored from each
    /// snapshot it handed out to be written, by snapshot index, until installed.
    restored_confs: BTreeMap<u64, linsim_raft::ConfState>,
}

/// Runs server `ctx.id()` until its node is killed. On (re)start it rebuilds raft from
/// what its disk holds durably and re-applies the committed log to a fresh state
/// machine.
pub async fn run(ctx: ServerNode) {
    let id = ctx.id();
    let k = ctx.knobs().clone();
    let bugs = KvBugs::of(ctx.bugs());
    let restarts = ctx.incarnation();
    let config = Config {
        election_tick: k.election_tick,
        heartbeat_tick: k.heartbeat_tick,
        pre_vote: k.pre_vote,
        check_quorum: k.check_quorum,
        max_inflight_msgs: k.max_inflight_msgs,
        max_size_per_msg: k.max_size_per_msg,
        max_uncommitted_entries_size: k.max_uncommitted_size,
        read_only_option: if k.reads == ReadPath::Lease {
            ReadOnlyOption::LeaseBased
        } else {
            ReadOnlyOption::Safe
        },
        seed: ctx.seed() ^ restarts.wrapping_mul(0x2545_F491_4F6C_DD1D),
        bugs: bugs.raft,
        // As etcd servers do: a leader that applies its own removal stops leading.
        step_down_on_removal: true,
        async_storage_writes: k.storage != StorageMode::Sync,
        ..Config::new(id)
    };
    let mut disk = ctx.disk::<Stored>();
    disk.set_lying_fsync(bugs.has(SimBug::LyingFsync));
    let (mut storage, snapshot) =
        disk.durable(|d| (d.to_storage(ctx.initial_voters()), d.snapshot().clone()));
    if restarts > 0 && bugs.has(SimBug::RestartForgetsVote) {
        // Bug: the vote is not reloaded.
        let hs = storage.hard_state();
        storage.set_hard_state(HardState { vote: NONE, ..hs });
    }
    let initial = storage.initial_state().expect("memory storage");
    let (hs, conf) = (initial.hard_state, initial.conf_state);
    // It runs with the configuration of its snapshot until it applies later changes.
    if restarts > 0 && hs.vote != NONE {
        probe!(RestartedWithVote);
    }
    ctx.raft()
        .started(hs.term, snapshot.metadata.index, &convert::config(&conf));
    let (node, readies) = if k.storage == StorageMode::Node {
        // Raft's task runs on this server's node: a crash kills it with the server.
        let storage = SharedStorage::new(storage);
        let (node, task) =
            Node::start(&config, storage.clone()).expect("scenario gives a valid raft config");
        madsim::task::spawn(task);
        let readies = node.ready();
        let node = NodeDriver {
            node,
            storage,
            prev_conf: conf.clone(),
            conf,
            role: (hs.term, StateType::StateFollower),
            committed: hs.commit,
            unstable: UnstableLog::default(),
        };
        (Driver::Node(Box::new(node)), Some(readies))
    } else {
        let raw = RawNode::new(&config, storage).expect("scenario gives a valid raft config");
        (Driver::Raw(Box::new(raw)), None)
    };
    let (tx, mut rx) = mpsc::unbounded::<Input>();
    ctx.set_inbox(inbox(tx.clone()));
    let ticks = tx.clone();
    ctx.spawn_ticker(move || ticks.unbounded_send(Input::Tick).is_ok());
    spawn_client_receiver(&ctx, tx.clone());
    // The append task is a task of this node: a crash kills it with its queue, so no
    // write or response of this incarnation reaches the next one.
    let apply_reports = (k.storage != StorageMode::Sync && k.apply_latency_us > 0)
        .then(|| async_writes::spawn_apply_reporter(&ctx, tx.clone()));
    let appends = (k.storage != StorageMode::Sync)
        .then(|| async_writes::spawn_append_task(&ctx, disk.clone(), bugs, tx));
    let sessions = !bugs.has(SimBug::SessionReapply);
    // The state machine restarts from the durable snapshot; raft hands out the
    // committed entries after it.
    let kv = if snapshot.is_empty() {
        KvStore::new(sessions)
    } else {
        probe!(RestartedFromSnapshot);
        KvStore::restore(&snapshot.data, sessions)
    };
    let mut server = Server {
        id,
        ctx,
        disk,
        bugs,
        node,
        kv,
        pending: BTreeMap::new(),
        reads: BTreeMap::new(),
        confirmed_reads: Vec::new(),
        applied: snapshot.metadata.index,
        role: (0, StateType::StateFollower),
        appends,
        apply_reports,
        ticks: 0,
        removed: false,
        incarnation: restarts,
        restored_confs: BTreeMap::new(),
    };
    let batch = server.ctx.knobs().ready_batch;
    let mut readies = readies;
    loop {
        let input = match &mut readies {
            // A RawNode: inputs, then the Readies they make (below), in turn.
            None => rx.next().await,
            // A Node: Readies from raft's task as it hands them out, inputs otherwise
            // (a Ready waiting goes first).
            Some(readies) => match future::select(readies.next(), rx.next()).await {
                Either::Left((Some(rd), _)) => {
                    server.process_node_ready(rd).await;
                    continue;
                }
                Either::Right((input, _)) => input,
                // Raft's task ended: the node is going down.
                Either::Left((None, _)) => None,
            },
        };
        let Some(mut input) = input else {
            return;
        };
        // Group commit: take in what else is already queued (up to the batch) so that
        // one Ready, and one fsync, covers all of it.
        for taken in 1..=batch {
            if let Some(input) = server.handle_at_once(input) {
                server.handle(input).await;
            }
            if taken == batch {
                break;
            }
            match rx.try_recv() {
                Ok(next) => input = next,
                Err(_) => break,
            }
        }
        match (&readies, server.appends.is_some()) {
            (Some(_), _) => {}
            (None, true) => server.process_raw_readies_async(),
            (None, false) => server.process_ready().await,
        }
    }
}

/// Where the framework's deliveries go: raft messages decoded into the input queue,
/// snapshot reports and commands as admin commands.
fn inbox(tx: mpsc::UnboundedSender<Input>) -> linsim_sim::net::Inbox {
    Arc::new(move |d| {
        let input = match d {
            Delivery::Peer { bytes, .. } => Input::Raft(wire::decode_raft(&bytes)),
            Delivery::Reported { to, delivered } => {
                Input::Admin(AdminCommand::ReportSnapshot { to, delivered })
            }
            Delivery::Control(c) => match c.downcast::<AdminCommand>() {
                Ok(cmd) => Input::Admin(*cmd),
                Err(_) => return false,
            },
            Delivery::TraceStatus => Input::Admin(AdminCommand::TraceStatus),
        };
        tx.unbounded_send(input).is_ok()
    })
}

/// Client requests arrive over the client port; raft messages arrive straight in the
/// input queue (`inbox`).
fn spawn_client_receiver(ctx: &ServerNode, tx: mpsc::UnboundedSender<Input>) {
    let port = ctx.clients().clone();
    madsim::task::spawn(async move {
        loop {
            let Some((from, bytes)) = port.recv().await else {
                return;
            };
            if tx
                .unbounded_send(Input::Client(wire::decode(&bytes), from))
                .is_err()
            {
                return;
            }
        }
    });
}

impl Server {
    fn report_state(&mut self, commit: Option<u64>) {
        let id = self.id;
        let (term, state) = self.node.role();
        if term != self.role.0 {
            // Raft forgets the reads it was confirming when the term moves on.
            self.drop_unconfirmed_reads();
        }
        let log_term = |i: u64| self.node.log_term(i);
        let is_leader = state == StateType::StateLeader;
        let events = self.ctx.raft();
        if (term, state) != self.role {
            self.role = (term, state);
            let first = self.node.first_index();
            let config = convert::config(&self.node.conf_state());
            let role = convert::role(state);
            events.role(term, role, first, &log_term, &config, self.node.committed());
            debug!("{id} is {state} at term {term}");
        }
        if let Some(commit) = commit.filter(|_| is_leader) {
            let configs: Vec<_> = self
                .node
                .commit_confs()
                .iter()
                .map(convert::config)
                .collect();
            events.leader_committed(term, commit, &log_term, &configs);
        }
        if let (true, Driver::Raw(raw)) = (is_leader, &self.node) {
            let to = raw.lead_transferee();
            let election_tick = self.ctx.knobs().election_tick as u64;
            events.transfer_state(term, to, self.ticks, election_tick);
        }
    }

    /// Tells the clients of ReadIndex reads for which `give_up` says so to retry
    /// elsewhere.
    fn drop_reads(&mut self, give_up: impl Fn(&PendingRead) -> bool) {
        let dropped: Vec<Vec<u8>> = self
            .reads
            .iter()
            .filter(|(_, r)| give_up(r))
            .map(|(ctx, _)| ctx.clone())
            .collect();
        if dropped.is_empty() {
            return;
        }
        for ctx in dropped {
            let r = self.reads.remove(&ctx).expect("listed above");
            probe!(ReadDroppedWithError);
            self.ctx.raft().read_dropped(r.id, self.applied);
            let leader = 0;
            self.respond(r.client, Response::NotLeader { id: r.id, leader });
        }
        let reads = &self.reads;
        self.confirmed_reads
            .retain(|rs| reads.contains_key(&rs.request_ctx[..]));
    }

    /// Tells the clients of ReadIndex reads raft has not confirmed to retry elsewhere.
    fn drop_unconfirmed_reads(&mut self) {
        self.drop_reads(|r| r.confirmed_ns.is_none());
    }

    /// Gives up on reads raft has not confirmed for `READ_TIMEOUT_ELECTIONS`, and on
    /// confirmed ones whose read index the state machine has not reached for as long.
    fn expire_reads(&mut self) {
        if self.reads.is_empty() {
            return;
        }
        let timeout = (self.ctx.election_timeout() * READ_TIMEOUT_ELECTIONS).as_nanos() as u64;
        let now = self.ctx.now_ns();
        self.drop_reads(|r| now - r.confirmed_ns.unwrap_or(r.asked_ns) > timeout);
    }

    /// Raft confirmed these reads: each is answered once the state machine reaches its
    /// read index.
    fn take_read_states(&mut self, states: Vec<linsim_raft::ReadState>) {
        if states.is_empty() {
            return;
        }
        let now = self.ctx.now_ns();
        let events = self.ctx.raft();
        for rs in &states {
            if let Some(r) = self.reads.get_mut(&rs.request_ctx[..]) {
                debug!(
                    "{} read {} confirmed at read index {}",
                    self.id, r.id, rs.index
                );
                r.confirmed_ns = Some(now);
                events.read_confirmed(r.id, rs.index);
                if rs.index > self.applied {
                    probe!(ConfirmedReadWaitedForApply);
                }
            }
        }
        if self.bugs.has(SimBug::ConfirmedReadsOverwritten) {
            // Bug: the reads still waiting for the state machine are forgotten.
            self.confirmed_reads = states;
        } else {
            self.confirmed_reads.extend(states);
        }
    }

    /// Checks durable-before-send for messages leaving this server now.
    fn check_sent<'a>(
        &self,
        messages: impl IntoIterator<Item = &'a Message>,
        log_term_at: &dyn Fn(&dyn RaftDurable, u64) -> Option<u64>,
        leader_self_match: Option<u64>,
    ) {
        let sent = messages.into_iter().map(convert::sent);
        self.ctx.raft().sent(sent, log_term_at, leader_self_match);
    }

    async fn trace_status(&mut self) {
        let line = self.node.status_line(self.id).await;
        self.ctx.raft().trace(line);
    }

    fn respond(&self, to: ClientAddr, r: Response) {
        self.ctx.clients().reply(to, wire::encode(&r));
    }

    /// Handles the inputs that never wait (ticks and raft messages) without building
    /// `handle`'s future, which is large (it can wait on a Node's task): these are
    /// most of a server's inputs. Returns any other input.
    fn handle_at_once(&mut self, input: Input) -> Option<Input> {
        match (input, &mut self.node) {
            (Input::Tick, _) => self.on_tick(),
            (Input::Raft(m), _) => self.on_raft(m),
            (Input::Appended(appends), node)
                if !(matches!(node, Driver::Node(_))
                    && self.bugs.has(SimBug::ApplyBeforeCommit)) =>
            {
                self.appended(appends)
            }
            (Input::AppliedReported(responses), _) => self.step_responses(responses),
            (input, _) => return Some(input),
        }
        None
    }

    /// One tick of the server's clock.
    fn on_tick(&mut self) {
        if !self.removed {
            self.node.tick();
        }
        self.ticks += 1;
        self.expire_reads();
    }

    /// A raft message from a peer. A vote request from a server that is not a member of
    /// this server's configuration is dropped, and its sender told it was removed, as
    /// etcd's servers reject a removed member: without pre-vote and check-quorum, a
    /// removed server that never learned it (it was down when its removal committed)
    /// would otherwise campaign at ever higher terms and depose every leader the
    /// cluster elects (Raft thesis §4.2.3).
    fn on_raft(&mut self, m: Message) {
        use linsim_raft::MessageType::{MsgApp, MsgHeartbeat, MsgPreVote, MsgSnap, MsgVote};
        match m.msg_type {
            MsgVote | MsgPreVote => {
                let member =
                    linsim_sim::membership::members(&self.ctx.raft().config()).contains(&m.from);
                if !member {
                    probe!(VoteFromNonMemberDropped);
                    self.ctx.notify(m.from, Box::new(AdminCommand::Removed));
                    return;
                }
            }
            MsgApp | MsgHeartbeat | MsgSnap => self.removed = false,
            _ => {}
        }
        self.node.step(m);
    }

    async fn handle(&mut self, input: Input) {
        match input {
            Input::Tick => self.on_tick(),
            Input::Raft(m) => self.on_raft(m),
            Input::Client(req, from) => self.handle_request(req, from).await,
            Input::Admin(AdminCommand::TransferLeader(to)) => self.node.transfer_leader(to).await,
            Input::Admin(AdminCommand::TraceStatus) => self.trace_status().await,
            Input::Admin(AdminCommand::Removed) => {
                if self.role.1 != StateType::StateLeader {
                    self.removed = true;
                }
            }
            Input::Admin(AdminCommand::ProposeConfChange(cc)) => {
                if self.node.propose_conf_change(&cc).await.is_ok() {
                    let c = self.ctx.stats();
                    c.conf_changes_proposed.fetch_add(1, Ordering::Relaxed);
                }
            }
            Input::Admin(AdminCommand::ReportSnapshot { to, delivered }) => {
                if !delivered {
                    probe!(SnapshotLostOnTheWay);
                }
                self.node.report_snapshot(to, delivered)
            }
            Input::Appended(appends) => self.appended_waiting(appends).await,
            Input::AppliedReported(responses) => self.step_responses(responses),
        }
    }

    async fn handle_request(&mut self, req: Request, from: ClientAddr) {
        let bugs = self.bugs;
        let events = self.ctx.raft().clone();
        let is_read = matches!(req.command, KvCommand::Get { .. });
        if is_read {
            events.read_arrived(req.id);
        }
        let raft = self.node.soft_state().await;
        if bugs.has(SimBug::StaleLocalReads) && raft.raft_state == StateType::StateLeader {
            if let KvCommand::Get { key } = &req.command {
                // Bug: a read served from local state, bypassing the log.
                let value = self.kv.get(key);
                events.read_served(req.id, self.applied);
                self.respond(
                    from,
                    Response::Ok {
                        id: req.id,
                        result: KvResult::Value(value),
                    },
                );
                return;
            }
        }
        if let Some(result) = self.kv.result_of(req.id) {
            // A resent request this server already applied: it is committed, so its
            // first result is the answer.
            probe!(ResentRequestAnsweredFromSession);
            // Applied through the log already, where its result was decided.
            events.read_dropped(req.id, self.applied);
            let result = result.clone();
            self.respond(from, Response::Ok { id: req.id, result });
            return;
        }
        if self.ctx.knobs().reads != ReadPath::Log && raft.lead != NONE {
            if let KvCommand::Get { key } = &req.command {
                // ReadIndex: raft confirms the read (the leader's commit index, checked
                // by a heartbeat quorum or its lease; a follower forwards it), and the
                // read is served once this server has applied up to that index.
                // The context names this server and this incarnation of it too, as
                // etcd's servers make read contexts unique: a leader keeps one pending
                // read per context, so two servers asking for the same client request
                // would share one confirmation (a deposed leader's own ask answered by
                // heartbeat acks to a follower's forward from before it was paused:
                // register seed 1576 with 86 clients), and an answer to a request this
                // server asked before it restarted must not confirm it asked again.
                let mut ctx = req.id.to_le_bytes().to_vec();
                ctx.extend(self.id.to_le_bytes());
                ctx.extend(self.incarnation.to_le_bytes());
                let asked_ns = self.ctx.now_ns();
                events.read_asked(req.id);
                let read = PendingRead {
                    client: from,
                    id: req.id,
                    key: key.clone(),
                    asked_ns,
                    confirmed_ns: None,
                };
                self.reads.insert(ctx.clone(), read);
                debug!(
                    "{} read {} asked of raft (lead {})",
                    self.id, req.id, raft.lead
                );
                self.node.read_index(ctx).await;
                return;
            }
        }
        let not_leader = Response::NotLeader {
            id: req.id,
            leader: raft.lead,
        };
        // A leader proposes; with node routing a follower that knows a leader proposes
        // too, and raft forwards the proposal (MsgProp) to the leader, as etcd does.
        let forward = raft.raft_state == StateType::StateFollower
            && raft.lead != NONE
            && self.ctx.knobs().client_routing == ClientRouting::Node;
        if raft.raft_state != StateType::StateLeader && !forward {
            if is_read {
                events.read_dropped(req.id, self.applied);
            }
            self.respond(from, not_leader);
            return;
        }
        let proposal = Proposal {
            request: req.id,
            command: req.command,
        };
        let data = proposal.to_bytes();
        let proposal_command = proposal.command;
        match self.node.propose(data).await {
            Ok(()) => {
                if forward {
                    probe!(RequestForwardedByFollower);
                }
                let blind_write = matches!(
                    proposal_command,
                    KvCommand::Put { .. } | KvCommand::Append { .. }
                );
                if blind_write && !forward && bugs.has(SimBug::RespondOnPropose) {
                    // Bug: acknowledged before it is committed.
                    let result = KvResult::Done;
                    self.respond(from, Response::Ok { id: req.id, result });
                    return;
                }
                self.pending.insert(req.id, (from, forward));
            }
            Err(_) => {
                // Not appended anywhere: the client may safely retry.
                probe!(ProposalRefused);
                if is_read {
                    events.read_dropped(req.id, self.applied);
                }
                self.respond(from, not_leader)
            }
        }
    }
}

/// fsyncs a server's disk: takes the fsync latency of virtual time (a crash in it
/// loses the page cache), then makes the writes durable and tells the observer.
async fn fsync(disk: &DiskHandle<Stored>, ctx: &linsim_sim::system::RaftEvents) {
    let written = disk.fsync().await;
    let entries: Vec<_> = entries_of(&written).map(convert::entry).collect();
    ctx.synced(&entries);
}
