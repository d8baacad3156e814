//! Test support: raft nodes over MemStorage and an in-memory network that records a
//! transcript (for golden scenario tests) while it delivers messages.
#![allow(dead_code)]

pub mod cluster;
pub mod conf;

use crate::async_storage::hard_state_of;
use crate::describe::{describe_message, describe_ready};
use crate::raft::Raft;
use crate::{
    ConfChangeI, ConfState, Config, Entry, MemStorage, Message, MessageType, RawNode, ReadState,
    Snapshot, SnapshotMetadata, StateType, Storage, LOCAL_APPEND_THREAD, LOCAL_APPLY_THREAD,
};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

thread_local! {
    static ASYNC_STORAGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether Networks built now run every node with asynchronous storage writes: inside
/// `in_async_mode`, or everywhere when `LINSIM_RAFT_STORAGE=async` is set (then
/// `cargo test -p linsim-raft` runs every Network scenario in the other mode; golden
/// transcripts differ by design).
pub fn async_storage_from_env() -> bool {
    ASYNC_STORAGE.with(|a| a.get())
        || std::env::var("LINSIM_RAFT_STORAGE").is_ok_and(|v| v == "async")
}

/// Runs a Network scenario with every node in async storage mode.
pub fn in_async_mode(scenario: fn()) {
    ASYNC_STORAGE.with(|a| a.set(true));
    scenario();
    ASYNC_STORAGE.with(|a| a.set(false));
}

/// `async_twins!(a, b)` in a child module of a test file: a test per named Network
/// scenario of the parent that runs it again with asynchronous storage writes, so that
/// both modes pass the same scenarios.
macro_rules! async_twins {
    ($($scenario:ident),* $(,)?) => {
        $(
            #[test]
            fn $scenario() {
                $crate::tests::common::in_async_mode(super::$scenario);
            }
        )*
    };
}
pub(crate) use async_twins;

/// A raft over fresh MemStorage with the given voters.
pub fn new_raft(id: u64, peers: &[u64], election: usize, heartbeat: usize) -> Raft<MemStorage> {
    new_raft_with(id, peers, election, heartbeat, |_| {})
}

/// As `new_raft`, with a hook to adjust the config.
pub fn new_raft_with(
    id: u64,
    peers: &[u64],
    election: usize,
    heartbeat: usize,
    tweak: impl Fn(&mut Config),
) -> Raft<MemStorage> {
    let mut c = Config {
        election_tick: election,
        heartbeat_tick: heartbeat,
        ..Config::new(id)
    };
    tweak(&mut c);
    Raft::new(&c, MemStorage::new_with_voters(peers.iter().copied())).expect("valid config")
}

/// A raft whose durable log already holds entries of the given terms and a hard state.
pub fn raft_with_log(id: u64, peers: &[u64], terms: &[u64], term: u64) -> Raft<MemStorage> {
    let mut s = MemStorage::new_with_voters(peers.iter().copied());
    s.append(&entries_of_terms(terms));
    s.set_hard_state(crate::HardState {
        term,
        vote: 0,
        commit: 0,
    });
    let c = Config {
        election_tick: 10,
        heartbeat_tick: 1,
        ..Config::new(id)
    };
    Raft::new(&c, s).expect("valid config")
}

/// Entries at indexes 1.. with the given terms.
pub fn entries_of_terms(terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(i, &term)| Entry {
            term,
            index: i as u64 + 1,
            ..Entry::default()
        })
        .collect()
}

/// Persists a raft's unstable entries (as the application would) and acknowledges them.
pub fn persist(r: &mut Raft<MemStorage>) {
    let ents = r.raft_log.unstable.entries.clone();
    if let Some(last) = ents.last() {
        r.raft_log.storage.append(&ents);
        r.on_persisted(last.index, last.term);
    }
}

/// A message of type `t` from `from` to `to` at `term`.
pub fn msg(t: MessageType, from: u64, to: u64, term: u64) -> Message {
    Message {
        msg_type: t,
        from,
        to,
        term,
        ..Message::default()
    }
}

/// Ticks `r` n times.
pub fn tick_n(r: &mut Raft<MemStorage>, n: usize) {
    for _ in 0..n {
        r.tick();
    }
}

/// Makes a follower in a 3-node cluster become leader of term 1 with its empty entry
/// persisted and committed.
pub fn elected_leader(id: u64, peers: &[u64]) -> Raft<MemStorage> {
    let mut r = new_raft(id, peers, 10, 1);
    r.become_candidate();
    r.become_leader();
    persist(&mut r);
    let last = r.raft_log.last_index();
    for &p in peers.iter().filter(|&&p| p != id) {
        let mut m = msg(MessageType::MsgAppResp, p, id, r.term);
        m.index = last;
        r.step(m).unwrap();
    }
    r.take_messages();
    r
}

/// Records the data of entries node `id` applied (empty entries skipped).
fn record_applied(applied: &mut BTreeMap<u64, Vec<Vec<u8>>>, id: u64, ents: &[Entry]) {
    applied.get_mut(&id).expect("node exists").extend(
        ents.iter()
            .filter(|e| !e.data.is_empty() && !e.is_conf_change())
            .map(|e| e.data.to_vec()),
    );
}

/// The snapshot data of a state machine that applied `applied` (one entry a line).
fn snapshot_data(applied: &[Vec<u8>]) -> Vec<u8> {
    applied.join(&b'\n')
}

/// The applied entries a snapshot's data holds (see `snapshot_data`).
fn applied_of_snapshot(data: &[u8]) -> Vec<Vec<u8>> {
    if data.is_empty() {
        return Vec::new();
    }
    data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

/// The membership as of `index` in a node's history of (index, membership after it).
pub fn conf_as_of(history: &[(u64, ConfState)], index: u64) -> ConfState {
    history
        .iter()
        .rev()
        .find(|(i, _)| *i <= index)
        .map(|(_, cs)| cs.clone())
        .expect("the history starts at index 0")
}

/// An in-memory cluster of RawNodes. Each Ready is persisted at once (so "durable" is
/// "handled"), its messages queued, and its committed entries recorded as applied.
pub struct Network {
    /// The nodes, by id.
    pub nodes: BTreeMap<u64, RawNode<MemStorage>>,
    /// Messages sent and not yet delivered.
    pub queue: VecDeque<Message>,
    /// Links cut: messages from .0 to .1 are dropped.
    pub cut: BTreeSet<(u64, u64)>,
    /// Applied entry data per node (empty entries and conf changes skipped).
    pub applied: BTreeMap<u64, Vec<Vec<u8>>>,
    /// Message types dropped on every link (as etcd's `network.ignore`).
    pub ignored: BTreeSet<MessageType>,
    /// Read states handed out per node, oldest first.
    pub read_states: BTreeMap<u64, Vec<ReadState>>,
    /// The index each node's state machine applied up to (entries and snapshots).
    pub applied_index: BTreeMap<u64, u64>,
    /// Per node, the membership after each index that changed it (from index 0 on):
    /// what a snapshot at any applied index must carry.
    pub confs: BTreeMap<u64, Vec<(u64, ConfState)>>,
    /// Messages that `hold` picks are kept here instead of being delivered (as etcd's
    /// `msgHook`), until the test puts them back into `queue`.
    pub held: Vec<Message>,
    /// Which messages to hold (none when `None`).
    pub hold: Option<fn(&Message) -> bool>,
    /// What happened, for golden tests.
    pub transcript: String,
    configs: BTreeMap<u64, Config>,
}

impl Network {
    /// `n` nodes with ids 1..=n, election tick 10, heartbeat tick 1.
    pub fn new(n: u64) -> Network {
        Network::with_config(n, |_| {})
    }

    /// As `new`, adjusting each node's config.
    pub fn with_config(n: u64, tweak: impl Fn(&mut Config)) -> Network {
        let voters: Vec<u64> = (1..=n).collect();
        Network::with_members(&voters, &[], tweak)
    }

    /// A network of the given voters and learners (all booted with that membership).
    pub fn with_members(voters: &[u64], learners: &[u64], tweak: impl Fn(&mut Config)) -> Network {
        let mut net = Network::empty();
        let cs = ConfState {
            voters: voters.to_vec(),
            learners: learners.to_vec(),
            ..ConfState::default()
        };
        for &id in voters.iter().chain(learners) {
            let mut c = Network::config(id);
            tweak(&mut c);
            net.insert_node(c, MemStorage::new_with_conf_state(cs.clone()));
        }
        net
    }

    /// A network without nodes (add them with `insert_node`).
    pub fn empty() -> Network {
        Network {
            nodes: BTreeMap::new(),
            queue: VecDeque::new(),
            cut: BTreeSet::new(),
            applied: BTreeMap::new(),
            ignored: BTreeSet::new(),
            read_states: BTreeMap::new(),
            applied_index: BTreeMap::new(),
            confs: BTreeMap::new(),
            held: Vec::new(),
            hold: None,
            transcript: String::new(),
            configs: BTreeMap::new(),
        }
    }

    /// The config of node `id`: election tick 10, heartbeat tick 1.
    pub fn config(id: u64) -> Config {
        Config {
            election_tick: 10,
            heartbeat_tick: 1,
            ..Config::new(id)
        }
    }

    /// Boots a node of config `c` over `storage` (in async storage mode when the
    /// network runs in it); its state machine starts as storage's snapshot holds it.
    pub fn insert_node(&mut self, mut c: Config, storage: MemStorage) {
        c.async_storage_writes |= async_storage_from_env();
        let id = c.id;
        let snap = storage.snapshot(0).expect("memory storage");
        let node = RawNode::new(&c, storage).expect("valid config");
        self.nodes.insert(id, node);
        self.configs.insert(id, c);
        self.applied.insert(id, applied_of_snapshot(&snap.data));
        self.applied_index.insert(id, snap.metadata.index);
        self.confs
            .insert(id, vec![(snap.metadata.index, snap.metadata.conf_state)]);
        self.read_states.insert(id, Vec::new());
    }

    /// Records that node `id` handled a Ready described by `text`.
    fn note_ready(&mut self, id: u64, text: &str) {
        self.transcript
            .push_str(&format!("> {id} handling Ready\n"));
        for line in text.lines() {
            self.transcript.push_str("  ");
            self.transcript.push_str(line);
            self.transcript.push('\n');
        }
    }

    /// Appends a line to the transcript.
    pub fn note(&mut self, line: &str) {
        self.transcript.push_str(line);
        self.transcript.push('\n');
    }

    /// The node with id `id`.
    pub fn node(&mut self, id: u64) -> &mut RawNode<MemStorage> {
        self.nodes.get_mut(&id).expect("node exists")
    }

    /// The role of node `id`.
    pub fn state(&self, id: u64) -> StateType {
        self.nodes[&id].raft.state
    }

    /// The current leader, if exactly one node believes it leads at the highest term.
    pub fn leader(&self) -> Option<u64> {
        let top = self.nodes.values().map(|n| n.raft.term).max()?;
        self.nodes
            .values()
            .find(|n| n.raft.state == StateType::StateLeader && n.raft.term == top)
            .map(|n| n.raft.id)
    }

    /// Handles one Ready of node `id`, if it has one; returns whether it did.
    pub fn handle_ready(&mut self, id: u64) -> bool {
        let node = self.nodes.get_mut(&id).expect("node exists");
        if !node.has_ready() {
            return false;
        }
        if node.raft.async_storage_writes() {
            self.handle_ready_async(id);
            return true;
        }
        let rd = node.ready();
        if let Some(snap) = rd.snapshot.clone() {
            self.install_snapshot(id, snap);
        }
        let store = self.node(id).store_mut();
        if let Some(hs) = rd.hard_state {
            store.set_hard_state(hs);
        }
        store.append(&rd.entries);
        self.read_states
            .entry(id)
            .or_default()
            .extend(rd.read_states.iter().cloned());
        let text = describe_ready(&rd);
        // Conf changes are applied as they commit (as an application does), before
        // `advance`.
        let conf_notes = self.apply(id, &rd.committed_entries);
        self.queue.extend(rd.messages);
        self.node(id).advance();
        self.note_ready(id, &text);
        self.note_conf_changes(conf_notes);
        true
    }

    /// Persists a snapshot raft handed out and installs it in node `id`'s state
    /// machine, whose data and membership become the snapshot's.
    fn install_snapshot(&mut self, id: u64, snap: Snapshot) {
        let (index, cs) = (snap.metadata.index, snap.metadata.conf_state.clone());
        self.applied.insert(id, applied_of_snapshot(&snap.data));
        self.applied_index.insert(id, index);
        let confs = self.confs.get_mut(&id).expect("node exists");
        confs.retain(|(i, _)| *i < index);
        confs.push((index, cs));
        self.node(id)
            .store_mut()
            .apply_snapshot(snap)
            .expect("raft hands out only newer snapshots");
    }

    /// Applies committed entries to node `id`'s state machine, as an application does:
    /// conf changes through `apply_conf_change`, remembering each new membership (a
    /// snapshot taken later at that index must carry it). Returns transcript notes.
    fn apply(&mut self, id: u64, ents: &[Entry]) -> Vec<String> {
        let mut notes = Vec::new();
        for e in ents {
            let Some(cc) = e.conf_change() else {
                continue;
            };
            let cc = cc.expect("conf change entries decode");
            let node = self.nodes.get_mut(&id).expect("node exists");
            match node.apply_conf_change(&cc) {
                Ok(cs) => {
                    notes.push(format!("applied {}: {}", cc, node.raft.trk.config));
                    let confs = self.confs.get_mut(&id).expect("node exists");
                    confs.push((e.index, cs));
                }
                Err(err) => notes.push(format!("refused {cc}: {err}")),
            }
        }
        record_applied(&mut self.applied, id, ents);
        if let Some(last) = ents.last() {
            self.applied_index.insert(id, last.index);
        }
        notes
    }

    fn note_conf_changes(&mut self, notes: Vec<String>) {
        for line in notes {
            self.transcript.push_str("  ");
            self.transcript.push_str(&line);
            self.transcript.push('\n');
        }
    }

    /// Proposes a conf change at node `id`, then stabilizes.
    pub fn propose_conf_change(&mut self, id: u64, cc: &impl ConfChangeI) {
        self.note(&format!("propose-conf-change {id} {}", cc.as_v2()));
        if let Err(e) = self.node(id).propose_conf_change(cc) {
            self.note(&format!("  error: {e}"));
        }
        self.stabilize();
    }

    /// Boots node `id` (not yet a member) over storage whose membership is `cs`: the
    /// cluster's initial membership, so that replaying the log's conf changes from
    /// index 1 gives it the current one.
    pub fn add_node(&mut self, id: u64, cs: ConfState) {
        self.note(&format!("add-node {id}"));
        self.insert_node(Network::config(id), MemStorage::new_with_conf_state(cs));
    }

    /// The membership node `id` has applied.
    pub fn conf_state(&self, id: u64) -> ConfState {
        self.nodes[&id].raft.trk.conf_state()
    }

    /// Restarts node `id` from its storage as an application that persists its
    /// applied index does: entries up to it are not applied again, so its storage
    /// must hold the membership as of that index. Such an application snapshots its
    /// state machine (and with it the membership) at the index it persists; here at
    /// the restart (lib.rs, "Membership changes", step 3).
    pub fn restart_keeping_applied(&mut self, id: u64) {
        self.note(&format!("restart {id} (applied kept)"));
        let applied = self.applied_index[&id];
        self.snapshot_at(id, applied);
        let storage = self.nodes[&id].store().clone();
        let c = Config {
            applied,
            ..self.configs[&id].clone()
        };
        let node = RawNode::new(&c, storage).expect("valid config");
        self.nodes.insert(id, node);
    }

    /// Records a snapshot of node `id`'s state machine at its applied index `index`,
    /// with the membership as of `index`, unless storage holds one as new already.
    fn snapshot_at(&mut self, id: u64, index: u64) {
        assert_eq!(
            index, self.applied_index[&id],
            "a state machine is snapshotted at its applied index"
        );
        let cs = conf_as_of(&self.confs[&id], index);
        let data = snapshot_data(&self.applied[&id]);
        let store = self.node(id).store_mut();
        let stored = store.snapshot(0).expect("memory storage").metadata.index;
        if index > stored {
            store
                .create_snapshot(index, Some(cs), data)
                .expect("index is past the stored snapshot");
        }
    }

    /// Async storage writes: routes a Ready's storage messages to append and apply
    /// threads that run at once (so "durable" is still "handled"); their responses
    /// join the queue and are stepped back by the next delivery.
    fn handle_ready_async(&mut self, id: u64) {
        let rd = self.node(id).ready();
        let text = describe_ready(&rd);
        self.read_states
            .entry(id)
            .or_default()
            .extend(rd.read_states.iter().cloned());
        let mut conf_notes = Vec::new();
        for m in rd.messages {
            match m.to {
                LOCAL_APPEND_THREAD => {
                    if let Some(snap) = m.snapshot.clone() {
                        self.install_snapshot(id, *snap);
                    }
                    let store = self.node(id).store_mut();
                    if let Some(hs) = hard_state_of(&m) {
                        store.set_hard_state(hs);
                    }
                    store.append(&m.entries);
                    self.queue.extend(m.responses);
                }
                LOCAL_APPLY_THREAD => {
                    conf_notes.extend(self.apply(id, &m.entries));
                    self.queue.extend(m.responses);
                }
                _ => self.queue.push_back(m),
            }
        }
        self.note_ready(id, &text);
        self.note_conf_changes(conf_notes);
    }

    /// Delivers every queued message (dropping those on cut links), recording each.
    pub fn deliver_all(&mut self) -> usize {
        let msgs: Vec<Message> = self.queue.drain(..).collect();
        let n = msgs.len();
        for m in msgs {
            if self.cut.contains(&(m.from, m.to)) || self.ignored.contains(&m.msg_type) {
                self.note(&format!("  dropped: {}", describe_message(&m)));
                continue;
            }
            if self.hold.is_some_and(|hold| hold(&m)) {
                self.note(&format!("  held: {}", describe_message(&m)));
                self.held.push(m);
                continue;
            }
            let to = m.to;
            if let Some(node) = self.nodes.get_mut(&to) {
                let _ = node.step(m);
            }
        }
        n
    }

    /// Handles Readies and delivers messages until nothing changes.
    pub fn stabilize(&mut self) {
        loop {
            let ids: Vec<u64> = self.nodes.keys().copied().collect();
            let mut busy = false;
            for id in ids {
                busy |= self.handle_ready(id);
            }
            busy |= self.deliver_all() > 0;
            if !busy {
                break;
            }
        }
    }

    /// Node `id` campaigns, then the cluster stabilizes.
    pub fn campaign(&mut self, id: u64) {
        self.note(&format!("campaign {id}"));
        self.node(id).campaign().expect("campaign");
        self.stabilize();
    }

    /// Proposes `data` at node `id`, then stabilizes.
    pub fn propose(&mut self, id: u64, data: &str) {
        self.note(&format!("propose {id} {data}"));
        let r = self.node(id).propose(data.as_bytes().to_vec());
        if let Err(e) = r {
            self.note(&format!("  error: {e}"));
        }
        self.stabilize();
    }

    /// Cuts every link to and from `id`.
    pub fn isolate(&mut self, id: u64) {
        self.note(&format!("isolate {id}"));
        let ids: Vec<u64> = self.nodes.keys().copied().collect();
        for other in ids.into_iter().filter(|&o| o != id) {
            self.cut.insert((id, other));
            self.cut.insert((other, id));
        }
    }

    /// Restores every link and stops ignoring message types.
    pub fn heal(&mut self) {
        self.note("heal");
        self.cut.clear();
        self.ignored.clear();
    }

    /// Cuts the link from `from` to `to` (one direction).
    pub fn cut_link(&mut self, from: u64, to: u64) {
        self.note(&format!("cut {from}->{to}"));
        self.cut.insert((from, to));
    }

    /// Asks node `id` for a linearizable read with context `ctx`, then stabilizes.
    pub fn read_index(&mut self, id: u64, ctx: &str) {
        self.note(&format!("read-index {id} {ctx}"));
        self.node(id).read_index(ctx.as_bytes().to_vec());
        self.stabilize();
    }

    /// The read states node `id` got, as (index, context) pairs.
    pub fn reads(&self, id: u64) -> Vec<(u64, String)> {
        self.read_states[&id]
            .iter()
            .map(|rs| {
                (
                    rs.index,
                    String::from_utf8_lossy(&rs.request_ctx).into_owned(),
                )
            })
            .collect()
    }

    /// Node `id` snapshots its state machine at its applied index `index` (the
    /// membership as of `index` with it) and compacts its log up to there, as an
    /// application does.
    pub fn compact(&mut self, id: u64, index: u64) {
        self.note(&format!("compact {id} {index}"));
        self.snapshot_at(id, index);
        self.node(id)
            .store_mut()
            .compact(index)
            .expect("index is not compacted yet");
    }

    /// Queues `m` as if a peer had sent it, then stabilizes.
    pub fn send(&mut self, m: Message) {
        self.note(&format!("send {}", describe_message(&m)));
        self.queue.push_back(m);
        self.stabilize();
    }

    /// Puts the held messages back on the network and stops holding any.
    pub fn release_held(&mut self) {
        self.hold = None;
        self.queue.extend(self.held.drain(..));
    }

    /// Proposes `n` entries at node `id`, named `{prefix}{i}`, stabilizing after each.
    pub fn propose_n(&mut self, id: u64, n: usize, prefix: &str) {
        for i in 0..n {
            self.propose(id, &format!("{prefix}{i}"));
        }
    }

    /// The commit index of node `id`.
    pub fn committed(&self, id: u64) -> u64 {
        self.nodes[&id].raft.raft_log.committed
    }

    /// Ticks node `id` n times (without stabilizing).
    pub fn tick(&mut self, id: u64, n: usize) {
        for _ in 0..n {
            self.node(id).tick();
        }
    }

    /// Ticks every node n times, stabilizing after each round.
    pub fn tick_all(&mut self, n: usize) {
        let ids: Vec<u64> = self.nodes.keys().copied().collect();
        for _ in 0..n {
            for &id in &ids {
                self.node(id).tick();
            }
            self.stabilize();
        }
    }

    /// Ticks node `id` until its election timeout fires, returning the ticks used.
    pub fn tick_until_campaign(&mut self, id: u64) -> usize {
        let timeout = self.nodes[&id].raft.randomized_election_timeout();
        self.tick(id, timeout);
        timeout
    }

    /// Restarts node `id` from its storage (everything handled is durable here); its
    /// state machine restarts from storage's snapshot and replays the log after it.
    pub fn restart(&mut self, id: u64) {
        self.restart_with(id, |_| {});
    }

    /// As `restart`, with its config adjusted from now on (a rolling restart).
    pub fn restart_with(&mut self, id: u64, tweak: impl Fn(&mut Config)) {
        self.note(&format!("restart {id}"));
        let storage = self.nodes[&id].store().clone();
        let mut c = self.configs[&id].clone();
        tweak(&mut c);
        let snap = storage.snapshot(0).expect("memory storage");
        let node = RawNode::new(&c, storage).expect("valid config");
        self.nodes.insert(id, node);
        self.configs.insert(id, c);
        self.applied.insert(id, applied_of_snapshot(&snap.data));
        self.applied_index.insert(id, snap.metadata.index);
        let confs = self.confs.get_mut(&id).expect("node exists");
        confs.retain(|(i, _)| *i <= snap.metadata.index);
    }

    /// The applied data of node `id`, as strings.
    pub fn applied_strings(&self, id: u64) -> Vec<String> {
        self.applied[&id]
            .iter()
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .collect()
    }
}

/// A snapshot at `(index, term)` whose membership is `voters`.
pub fn snapshot_at(index: u64, term: u64, voters: &[u64]) -> Snapshot {
    Snapshot {
        data: Default::default(),
        metadata: SnapshotMetadata {
            conf_state: ConfState::from_voters(voters.iter().copied()),
            index,
            term,
        },
    }
}

/// A leader of term 12 whose log starts with a snapshot at (11, 11) of voters `peers`
/// plus its own empty entry at 12 (etcd's `testingSnap` setup): its follower 2 is
/// at index 0, so catching it up needs the snapshot.
pub fn leader_after_snapshot(peers: &[u64]) -> Raft<MemStorage> {
    let mut r = new_raft(1, peers, 10, 1);
    r.become_follower(11, 0);
    assert!(r.restore(snapshot_at(11, 11, peers)), "fresh node restores");
    let snap = r.raft_log.unstable.snapshot.clone().expect("restored");
    r.raft_log
        .storage
        .apply_snapshot(snap)
        .expect("newer snapshot");
    r.on_persisted_snapshot(11);
    r.become_candidate();
    r.become_leader();
    r
}

/// Entries with the given payloads, for proposals.
pub fn prop(from: u64, to: u64, data: &[&str]) -> Message {
    Message {
        msg_type: MessageType::MsgProp,
        from,
        to,
        entries: data
            .iter()
            .map(|d| Entry::normal(d.as_bytes().to_vec()))
            .collect(),
        ..Message::default()
    }
}
