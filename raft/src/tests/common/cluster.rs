//! A cluster of RawNodes in either storage mode, with the async mode's append and apply
//! threads as explicit queues the test drives (as etcd's interaction tests do with
//! `process-append-thread` / `process-apply-thread`). Every message leaving a node is
//! checked against what that node has durably written (durable-before-send), and every
//! apply against its durable log, so a scenario that breaks either fails at once.
#![allow(dead_code)]

use super::conf_as_of;
use crate::async_storage::{hard_state_of, route};
use crate::describe::{describe_message, describe_ready};
use crate::{
    ConfChangeI, ConfState, Config, MemStorage, Message, MessageType, RawNode, ReadState, Storage,
};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Which storage contract the cluster's nodes use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `Ready` persisted, sent, applied, then `advance`.
    Sync,
    /// `Config::async_storage_writes`: storage messages to local threads.
    Async,
}

/// One node and its local threads' queues.
pub struct Member {
    /// The raft node; its MemStorage is what its disk holds durably.
    pub node: RawNode<MemStorage>,
    /// MsgStorageAppends not yet processed, oldest first.
    pub append_queue: VecDeque<Message>,
    /// MsgStorageApplys not yet processed, oldest first.
    pub apply_queue: VecDeque<Message>,
    /// Applied entries (index, data), empty entries included.
    pub applied: Vec<(u64, Vec<u8>)>,
    /// Read states handed out, oldest first.
    pub reads: Vec<ReadState>,
    /// The membership after each index that changed it, from index 0 on (conf changes
    /// applied, snapshots installed): what a snapshot at any index must carry.
    pub confs: Vec<(u64, ConfState)>,
    config: Config,
}

impl Member {
    /// The highest index applied to the state machine.
    pub fn applied_index(&self) -> u64 {
        self.applied.last().map_or(0, |(i, _)| *i)
    }

    /// The applied data, non-empty entries only, as strings.
    pub fn applied_data(&self) -> Vec<String> {
        self.applied
            .iter()
            .filter(|(_, d)| !d.is_empty())
            .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
            .collect()
    }
}

/// The cluster, its network queue and a transcript.
pub struct Cluster {
    /// The storage mode of every node.
    pub mode: Mode,
    /// Members by id.
    pub members: BTreeMap<u64, Member>,
    /// Messages in flight (to peers, and storage responses stepped back later).
    pub queue: VecDeque<Message>,
    /// Links cut: messages from .0 to .1 are dropped.
    pub cut: BTreeSet<(u64, u64)>,
    /// What happened, for golden tests (only when `record` is on).
    pub transcript: String,
    /// Whether to record the transcript.
    pub record: bool,
}

impl Cluster {
    /// `n` voters with ids 1..=n in `mode`, election tick 10, heartbeat tick 1.
    pub fn new(n: u64, mode: Mode) -> Cluster {
        Cluster::with_config(n, mode, |_| {})
    }

    /// As `new`, adjusting each node's config.
    pub fn with_config(n: u64, mode: Mode, tweak: impl Fn(&mut Config)) -> Cluster {
        let mut c = Cluster {
            mode,
            members: BTreeMap::new(),
            queue: VecDeque::new(),
            cut: BTreeSet::new(),
            transcript: String::new(),
            record: true,
        };
        for id in 1..=n {
            c.boot(id, ConfState::from_voters(1..=n), &tweak);
        }
        c
    }

    /// Boots node `id` over fresh storage whose membership is `cs` (the cluster's
    /// initial one: replaying the log's conf changes from index 1 gives it the
    /// current one), in the cluster's storage mode.
    pub fn add_member(&mut self, id: u64, cs: ConfState) {
        self.note(&format!("add-node {id}"));
        self.boot(id, cs, |_| {});
    }

    fn boot(&mut self, id: u64, cs: ConfState, tweak: impl Fn(&mut Config)) {
        let mut c = Config {
            election_tick: 10,
            heartbeat_tick: 1,
            async_storage_writes: self.mode == Mode::Async,
            ..Config::new(id)
        };
        tweak(&mut c);
        let storage = MemStorage::new_with_conf_state(cs.clone());
        let node = RawNode::new(&c, storage).expect("valid config");
        self.members.insert(
            id,
            Member {
                node,
                append_queue: VecDeque::new(),
                apply_queue: VecDeque::new(),
                applied: Vec::new(),
                reads: Vec::new(),
                confs: vec![(0, cs)],
                config: c,
            },
        );
    }

    /// Appends a line to the transcript.
    pub fn note(&mut self, line: &str) {
        if self.record {
            self.transcript.push_str(line);
            self.transcript.push('\n');
        }
    }

    fn note_block(&mut self, title: &str, body: &str) {
        if !self.record {
            return;
        }
        self.note(title);
        for line in body.lines() {
            self.transcript.push_str("  ");
            self.transcript.push_str(line);
            self.transcript.push('\n');
        }
    }

    /// The node `id`.
    pub fn node(&mut self, id: u64) -> &mut RawNode<MemStorage> {
        &mut self.member(id).node
    }

    /// The member `id`.
    pub fn member(&mut self, id: u64) -> &mut Member {
        self.members.get_mut(&id).expect("node exists")
    }

    /// Handles one Ready of `id` if it has one. Sync: persist, send, apply, advance.
    /// Async: route the storage messages to the threads' queues, send the rest.
    pub fn handle_ready(&mut self, id: u64) -> bool {
        let mode = self.mode;
        let m = self.member(id);
        if !m.node.has_ready() {
            return false;
        }
        let rd = m.node.ready();
        let text = describe_ready(&rd);
        m.reads.extend(rd.read_states.iter().cloned());
        let outgoing = match mode {
            Mode::Sync => {
                let store = m.node.store_mut();
                if let Some(snap) = rd.snapshot.clone() {
                    store.apply_snapshot(snap).expect("newer snapshot");
                }
                if let Some(hs) = rd.hard_state {
                    store.set_hard_state(hs);
                }
                store.append(&rd.entries);
                if let Some(snap) = &rd.snapshot {
                    Cluster::install(m, snap);
                }
                Cluster::apply(m, &rd.committed_entries);
                m.node.advance();
                rd.messages
            }
            Mode::Async => {
                let routed = route(rd.messages);
                m.append_queue.extend(routed.append);
                m.apply_queue.extend(routed.apply);
                routed.peers
            }
        };
        self.note_block(&format!("> {id} handling Ready"), &text);
        self.send_all(id, outgoing);
        true
    }

    /// Applies committed entries to `m`'s state machine, conf changes through
    /// `apply_conf_change` (a refused one changes nothing, on every node alike).
    fn apply(m: &mut Member, ents: &[crate::Entry]) {
        let durable = m.node.store().last_index().expect("memory storage");
        for e in ents {
            assert!(
                e.index <= durable,
                "node {} applies entry {} beyond its durable log (last {durable})",
                m.node.raft.id,
                e.index
            );
            if let Some(cc) = e.conf_change() {
                let cc = cc.expect("conf change entries decode");
                if let Ok(cs) = m.node.apply_conf_change(&cc) {
                    m.confs.push((e.index, cs));
                }
            }
            m.applied.push((e.index, e.data.to_vec()));
        }
    }

    /// Installs a snapshot in `m`'s state machine (its entries are not known one by
    /// one: the snapshot stands for them with an empty entry at its index).
    fn install(m: &mut Member, snap: &crate::Snapshot) {
        let index = snap.metadata.index;
        m.applied.push((index, Vec::new()));
        m.confs.retain(|(i, _)| *i < index);
        m.confs.push((index, snap.metadata.conf_state.clone()));
    }

    /// Sends messages from `id`, checking each promise against `id`'s durable state.
    fn send_all(&mut self, id: u64, msgs: Vec<Message>) {
        for msg in msgs {
            if msg.to != id {
                self.check_durable_before_send(id, &msg);
            }
            self.queue.push_back(msg);
        }
    }

    /// A vote promises a durable vote and term; an append ack promises durable entries.
    fn check_durable_before_send(&self, id: u64, m: &Message) {
        let store = self.members[&id].node.store();
        let hs = store.hard_state();
        match m.msg_type {
            MessageType::MsgVoteResp if !m.reject => assert!(
                hs.term == m.term && hs.vote == m.to,
                "{id} granted a vote to {} at term {} before persisting it (durable {hs:?})",
                m.to,
                m.term
            ),
            MessageType::MsgAppResp if !m.reject && m.index > 0 => {
                let durable_last = store.last_index().expect("memory storage");
                assert!(
                    m.index <= durable_last,
                    "{id} acked index {} to {} before persisting it (durable last {durable_last})",
                    m.index,
                    m.to
                );
            }
            _ => {}
        }
    }

    /// Processes the oldest MsgStorageAppend of `id`: writes it durably, then releases
    /// its responses. Returns whether there was one.
    pub fn process_append(&mut self, id: u64) -> bool {
        let m = self.member(id);
        let Some(msg) = m.append_queue.pop_front() else {
            return false;
        };
        if let Some(snap) = &msg.snapshot {
            m.node
                .store_mut()
                .apply_snapshot((**snap).clone())
                .expect("newer snapshot");
            Cluster::install(m, snap);
        }
        let store = m.node.store_mut();
        if let Some(hs) = hard_state_of(&msg) {
            store.set_hard_state(hs);
        }
        store.append(&msg.entries);
        let text = describe_message(&msg);
        self.note_block(&format!("> {id} processing append thread"), &text);
        self.send_all(id, msg.responses);
        true
    }

    /// Processes the oldest MsgStorageApply of `id`: applies, then responds.
    pub fn process_apply(&mut self, id: u64) -> bool {
        let m = self.member(id);
        let Some(msg) = m.apply_queue.pop_front() else {
            return false;
        };
        Cluster::apply(m, &msg.entries);
        let text = describe_message(&msg);
        self.note_block(&format!("> {id} processing apply thread"), &text);
        self.send_all(id, msg.responses);
        true
    }

    /// Delivers one message (dropping it on a cut link).
    pub fn deliver(&mut self, msg: Message) {
        let to = msg.to;
        if self.cut.contains(&(msg.from, to)) {
            let text = format!("  dropped: {}", describe_message(&msg));
            self.note(&text);
            return;
        }
        if let Some(m) = self.members.get_mut(&to) {
            let _ = m.node.step(msg);
        }
    }

    /// Delivers every queued message.
    pub fn deliver_all(&mut self) -> usize {
        let msgs: Vec<Message> = self.queue.drain(..).collect();
        let n = msgs.len();
        for m in msgs {
            self.deliver(m);
        }
        n
    }

    /// Delivers the queued messages addressed to `id`, keeping the others queued.
    pub fn deliver_to(&mut self, id: u64) -> usize {
        let (mine, rest): (Vec<_>, Vec<_>) = self.queue.drain(..).partition(|m| m.to == id);
        self.queue = rest.into();
        let n = mine.len();
        for m in mine {
            self.deliver(m);
        }
        n
    }

    /// Readies, both threads and deliveries until nothing changes.
    pub fn stabilize(&mut self) {
        loop {
            let ids: Vec<u64> = self.members.keys().copied().collect();
            let mut busy = false;
            for &id in &ids {
                busy |= self.handle_ready(id);
            }
            for &id in &ids {
                while self.process_append(id) {
                    busy = true;
                }
                while self.process_apply(id) {
                    busy = true;
                }
            }
            busy |= self.deliver_all() > 0;
            if !busy {
                break;
            }
        }
    }

    /// Node `id` campaigns, then the cluster stabilizes.
    pub fn elect(&mut self, id: u64) {
        self.node(id).campaign().expect("campaign");
        self.stabilize();
    }

    /// The commit index of `id`.
    pub fn committed(&self, id: u64) -> u64 {
        self.members[&id].node.raft.raft_log.committed
    }

    /// Cuts every link to and from `id`.
    pub fn isolate(&mut self, id: u64) {
        let ids: Vec<u64> = self.members.keys().copied().collect();
        for other in ids.into_iter().filter(|&o| o != id) {
            self.cut.insert((id, other));
            self.cut.insert((other, id));
        }
    }

    /// Crashes `id` (its threads' queued work and unsent messages are lost; its
    /// storage, everything the append thread wrote, survives) and restarts it.
    pub fn crash_restart(&mut self, id: u64) {
        self.note(&format!("crash-restart {id}"));
        self.queue.retain(|m| m.from != id && m.to != id);
        let m = self.member(id);
        let storage = m.node.store().clone();
        let snap_index = storage.first_index().expect("memory storage") - 1;
        m.node = RawNode::new(&m.config, storage).expect("valid config");
        m.append_queue.clear();
        m.apply_queue.clear();
        // The state machine restarts empty and applies the log again; the
        // memberships it records from here on are those of the replay.
        m.applied.clear();
        m.confs.retain(|(i, _)| *i <= snap_index);
    }

    /// The membership node `id` has applied.
    pub fn conf_state(&self, id: u64) -> ConfState {
        self.members[&id].node.raft.trk.conf_state()
    }

    /// Proposes a conf change at node `id` (without stabilizing).
    pub fn propose_conf_change(&mut self, id: u64, cc: &impl ConfChangeI) {
        self.note(&format!("propose-conf-change {id} {}", cc.as_v2()));
        self.node(id)
            .propose_conf_change(cc)
            .expect("proposal accepted");
    }

    /// Node `id` snapshots its state machine at index `index` (which it applied), with
    /// the membership as of `index`, and compacts its log up to there.
    pub fn compact(&mut self, id: u64, index: u64) {
        self.note(&format!("compact {id} {index}"));
        let m = self.member(id);
        assert!(
            index <= m.applied_index(),
            "node {id} snapshots only what it applied"
        );
        let data: Vec<u8> = m
            .applied
            .iter()
            .filter(|(i, _)| *i <= index)
            .flat_map(|(_, d)| d.iter().copied())
            .collect();
        let cs = conf_as_of(&m.confs, index);
        let store = m.node.store_mut();
        store
            .create_snapshot(index, Some(cs), data)
            .expect("index is past the stored snapshot");
        store.compact(index).expect("index is not compacted yet");
    }
}
