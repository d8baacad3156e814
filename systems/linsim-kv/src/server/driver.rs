//! How a server drives raft, by storage mode.
//!
//! - `storage=sync` and `storage=async`: a `RawNode` the server steps and takes
//!   Readies from itself, on its own loop (the classic Ready loop, `sync_ready`; or
//!   async storage writes, `async_writes`).
//! - `storage=node`: etcd's `Node` API with async storage writes. Raft runs in a task
//!   of its own on the server's simulated node (a crash kills it with the server);
//!   the server talks to it through the handle and takes Readies from its stream, as
//!   an etcd server's raft goroutine and apply loop do. What the server knows of
//!   raft there it learns as an etcd application does: from Readies, from `Status`,
//!   and from what it wrote itself (`UnstableLog`).
//!
//! With a `Node` the server and raft's task share raft's storage (`SharedStorage`):
//! the server writes it, raft reads it. Raft's task takes the server's calls in the
//! order they are made: steps and read requests are queued without waiting (as etcd's
//! `Step`), the calls that answer (`Status`, proposals, membership changes) wait for
//! everything queued before them. A Ready is handed out whenever raft has one and the
//! server's loop is waiting for it, so it may cover part of a batch of inputs.

use futures::FutureExt;
use linsim_raft::{
    ConfChangeV2, ConfState, MemStorage, Node, RawNode, Result, SharedStorage, SoftState,
    StateType, Storage, NONE,
};
use std::collections::BTreeMap;

/// Raft's storage, shared between the server (which writes it) and raft's task.
pub(super) type Store = SharedStorage<MemStorage>;

/// The raft a server drives.
pub(super) enum Driver {
    /// `storage=sync` and `storage=async`: stepped and readied on the server's loop.
    Raw(Box<RawNode<MemStorage>>),
    /// `storage=node`: etcd's Node API, raft in a task of its own.
    Node(Box<NodeDriver>),
}

/// The server's side of a `Node`.
pub(super) struct NodeDriver {
    /// The handle.
    pub node: Node,
    /// Raft's storage, which the server writes.
    pub storage: Store,
    /// The configuration as of the applied index: the storage's at start, then each
    /// applied membership change's result and each installed snapshot's.
    pub conf: ConfState,
    /// The configuration before the last change applied: raft's task may have
    /// committed under it after the server took the change in and before it applied it
    /// (the two run apart), so a commit is checked against either.
    pub prev_conf: ConfState,
    /// Term and role as of the last Ready taken (they come only when they change).
    pub role: (u64, StateType),
    /// The commit index as of the last Ready taken.
    pub committed: u64,
    /// Entries handed to the append task that raft's storage does not hold yet.
    pub unstable: UnstableLog,
}

/// Entries raft handed out in MsgStorageAppends that are not in raft's storage yet:
/// with the storage, the server's view of raft's log (raft's own unstable log).
#[derive(Default)]
pub(super) struct UnstableLog {
    /// Index -> term. An append that starts at or below an index held here replaces
    /// everything from there on, as raft's unstable log does.
    terms: BTreeMap<u64, u64>,
    /// A snapshot handed out and not installed yet: the log starts after it.
    snapshot: Option<(u64, u64)>,
}

impl UnstableLog {
    /// Raft handed out a MsgStorageAppend with these entries (and snapshot).
    pub fn handed_out(&mut self, snapshot: Option<(u64, u64)>, entries: &[linsim_raft::Entry]) {
        if let Some(snap) = snapshot {
            self.snapshot = Some(snap);
            self.terms.clear();
        }
        if let Some(first) = entries.first() {
            self.terms.split_off(&first.index);
        }
        self.terms.extend(entries.iter().map(|e| (e.index, e.term)));
    }

    /// The storage took these writes in: they are raft's stable log now (unless a
    /// later append replaced them: then they stay as the later one wrote them).
    pub fn stored(&mut self, snapshot: Option<u64>, entries: &[linsim_raft::Entry]) {
        if snapshot.is_some_and(|i| self.snapshot.is_some_and(|(s, _)| s == i)) {
            self.snapshot = None;
        }
        for e in entries {
            if self.terms.get(&e.index) == Some(&e.term) {
                self.terms.remove(&e.index);
            }
        }
    }

    /// The term at `index` of raft's log: the unstable part first, then the storage.
    pub fn term(&self, store: &MemStorage, index: u64) -> Option<u64> {
        if let Some(&t) = self.terms.get(&index) {
            return Some(t);
        }
        match (self.terms.keys().next(), self.snapshot) {
            // Above the first unstable entry, the storage's entries were replaced.
            (Some(&first), _) if index > first => None,
            // A snapshot handed out replaces the whole log: only its own index is left.
            (_, Some((i, t))) if index == i => Some(t),
            (_, Some(_)) => None,
            _ => store.term(index).ok(),
        }
    }

    /// The first index of raft's log.
    pub fn first_index(&self, store: &MemStorage) -> u64 {
        match self.snapshot {
            Some((i, _)) => i + 1,
            None => store.first_index().expect("memory storage"),
        }
    }
}

impl Driver {
    /// Writes raft's storage.
    pub fn with_store<R>(&mut self, f: impl FnOnce(&mut MemStorage) -> R) -> R {
        match self {
            Driver::Raw(raw) => f(raw.store_mut()),
            Driver::Node(n) => f(&mut n.storage.lock()),
        }
    }

    /// The raw node (storage=sync and async).
    pub fn raw(&mut self) -> &mut RawNode<MemStorage> {
        match self {
            Driver::Raw(raw) => raw,
            Driver::Node(_) => unreachable!("only sync and async modes drive a RawNode"),
        }
    }

    /// The raw node, to read (storage=sync and async).
    pub fn raw_ref(&self) -> &RawNode<MemStorage> {
        match self {
            Driver::Raw(raw) => raw,
            Driver::Node(_) => unreachable!("only sync and async modes drive a RawNode"),
        }
    }

    /// If the RawNode leads: the match index raft records for itself (what it counts
    /// toward commit).
    pub fn raw_leader_self_match(&self) -> Option<u64> {
        let raw = self.raw_ref();
        (raw.role() == StateType::StateLeader)
            .then(|| raw.progress(raw.id()).map(|p| p.matched))
            .flatten()
    }

    /// Term and role, as of the last Ready taken.
    pub fn role(&self) -> (u64, StateType) {
        match self {
            Driver::Raw(raw) => (raw.term(), raw.role()),
            Driver::Node(n) => n.role,
        }
    }

    /// The commit index, as of the last Ready taken.
    pub fn committed(&self) -> u64 {
        match self {
            Driver::Raw(raw) => raw.committed(),
            Driver::Node(n) => n.committed,
        }
    }

    /// The term at `index` of raft's log (stable and unstable), if it holds it.
    pub fn log_term(&self, index: u64) -> Option<u64> {
        match self {
            Driver::Raw(raw) => raw.term_at(index),
            Driver::Node(n) => n.unstable.term(&n.storage.lock(), index),
        }
    }

    /// The first index of raft's log.
    pub fn first_index(&self) -> u64 {
        match self {
            Driver::Raw(raw) => raw.first_index(),
            Driver::Node(n) => n.unstable.first_index(&n.storage.lock()),
        }
    }

    /// Steps a message (a peer's, or a storage thread's response); raft's refusals
    /// (a stale term, a stopped node) drop it, as a lost message.
    pub fn step(&mut self, m: linsim_raft::Message) {
        match self {
            Driver::Raw(raw) => {
                let _ = raw.step(m);
            }
            Driver::Node(n) => {
                // `Node::step` only queues the message: it is done at its first poll.
                let queued = n.node.step(m).now_or_never();
                debug_assert!(queued.is_some(), "Node::step does not wait");
            }
        }
    }

    /// One tick.
    pub fn tick(&mut self) {
        match self {
            Driver::Raw(raw) => raw.tick(),
            Driver::Node(n) => n.node.tick(),
        }
    }

    /// Proposes `data`. The caller has checked a leader is known (a `Node` would wait
    /// for one, and the server's loop with it).
    pub async fn propose(&mut self, data: Vec<u8>) -> Result<()> {
        match self {
            Driver::Raw(raw) => raw.propose(data),
            Driver::Node(n) => Box::pin(n.node.propose(data)).await,
        }
    }

    /// Proposes a membership change.
    pub async fn propose_conf_change(&mut self, cc: &ConfChangeV2) -> Result<()> {
        match self {
            Driver::Raw(raw) => raw.propose_conf_change(cc),
            Driver::Node(n) => Box::pin(n.node.propose_conf_change(cc)).await,
        }
    }

    /// Asks for leadership to move to `to` (a follower forwards it to its leader).
    pub async fn transfer_leader(&mut self, to: u64) {
        match self {
            Driver::Raw(raw) => raw.transfer_leader(to),
            Driver::Node(n) => {
                let lead = soft_state_of(&n.node).await.lead;
                let _ = Box::pin(n.node.transfer_leadership(lead, to)).await;
            }
        }
    }

    /// Asks for a ReadIndex read identified by `ctx`.
    pub async fn read_index(&mut self, ctx: Vec<u8>) {
        match self {
            Driver::Raw(raw) => raw.read_index(ctx),
            Driver::Node(n) => {
                let _ = Box::pin(n.node.read_index(ctx)).await;
            }
        }
    }

    /// Reports whether a snapshot sent to `to` arrived.
    pub fn report_snapshot(&mut self, to: u64, delivered: bool) {
        match self {
            Driver::Raw(raw) => raw.report_snapshot(to, delivered),
            Driver::Node(n) => n.node.report_snapshot(to, delivered),
        }
    }

    /// The known leader and this node's role now.
    pub async fn soft_state(&mut self) -> SoftState {
        match self {
            Driver::Raw(raw) => raw.soft_state(),
            Driver::Node(n) => soft_state_of(&n.node).await,
        }
    }

    /// The configurations a commit decided now may have been decided with: raft's
    /// (a RawNode's is exact); a Node's, and the one before its last change.
    pub fn commit_confs(&self) -> Vec<ConfState> {
        match self {
            Driver::Raw(raw) => vec![raw.conf_state()],
            Driver::Node(n) => vec![n.conf.clone(), n.prev_conf.clone()],
        }
    }

    /// The configuration raft runs with (as of the applied index).
    pub fn conf_state(&self) -> ConfState {
        match self {
            Driver::Raw(raw) => raw.conf_state(),
            Driver::Node(n) => n.conf.clone(),
        }
    }

    /// If this node leads: the match index raft records for itself (what it counts
    /// toward commit).
    pub async fn leader_self_match(&mut self, id: u64) -> Option<u64> {
        match self {
            Driver::Raw(_) => self.raw_leader_self_match(),
            // Not a leader as of the last Ready: raft's task cannot have become one
            // since without handing out a Ready (the change of role is in it).
            Driver::Node(n) if n.role.1 != StateType::StateLeader => None,
            Driver::Node(n) => {
                let status = Box::pin(n.node.status()).await.ok()?;
                (status.soft_state.raft_state == StateType::StateLeader)
                    .then(|| status.progress.get(&id).map(|p| p.matched))
                    .flatten()
            }
        }
    }

    /// A line of raft's status, for the trace of a failing seed.
    pub async fn status_line(&mut self, id: u64) -> String {
        match self {
            Driver::Raw(raw) => {
                let mut line = format!(
                    "{id} status: {} term {} lead {} commit {} applied {} (applying {}, persisted {}{}) last {} uncommitted bytes {} promotable {} election timeout {}",
                    raw.role(),
                    raw.term(),
                    raw.leader(),
                    raw.committed(),
                    raw.applied(),
                    raw.applying(),
                    raw.persisted(),
                    if raw.has_pending_snapshot() { ", snapshot pending" } else { "" },
                    raw.last_index(),
                    raw.uncommitted_size(),
                    raw.promotable(),
                    raw.election_timeout()
                );
                if raw.role() == StateType::StateLeader {
                    for (id, pr) in raw.progresses() {
                        line.push_str(&format!("; {id}: {pr}"));
                    }
                }
                line
            }
            Driver::Node(n) => {
                let Ok(s) = Box::pin(n.node.status()).await else {
                    return format!("{id} status: stopped");
                };
                let stored = n.storage.lock().last_index().expect("memory storage");
                let last = n
                    .unstable
                    .terms
                    .keys()
                    .next_back()
                    .copied()
                    .unwrap_or(stored);
                let mut line = format!(
                    "{id} status: {} term {} lead {} commit {} applied {} last {} (stored {stored}) voters {:?} learners {:?}",
                    s.soft_state.raft_state,
                    s.hard_state.term,
                    s.soft_state.lead,
                    s.hard_state.commit,
                    s.applied,
                    last,
                    s.config.voters,
                    s.config.learners,
                );
                if s.soft_state.raft_state == StateType::StateLeader {
                    for (id, pr) in &s.progress {
                        line.push_str(&format!("; {id}: {pr}"));
                    }
                }
                line
            }
        }
    }
}

impl NodeDriver {
    /// Applies a committed membership change in raft's task; returns the new
    /// configuration.
    pub async fn apply_conf_change(&mut self, cc: &ConfChangeV2) -> Result<ConfState> {
        let conf = Box::pin(self.node.apply_conf_change(cc)).await?;
        self.prev_conf = std::mem::replace(&mut self.conf, conf.clone());
        Ok(conf)
    }
}

/// A node's soft state now (a stopped node knows no leader).
/// (Boxed: a RawNode's callers keep small futures.)
async fn soft_state_of(node: &Node) -> SoftState {
    Box::pin(node.status())
        .await
        .map(|s| s.soft_state)
        .unwrap_or(SoftState {
            lead: NONE,
            raft_state: StateType::StateFollower,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use linsim_raft::Entry;

    fn ents(first: u64, last: u64, term: u64) -> Vec<Entry> {
        (first..=last)
            .map(|index| Entry {
                index,
                term,
                ..Entry::default()
            })
            .collect()
    }

    fn storage_with(first: u64, last: u64, term: u64) -> MemStorage {
        let mut s = MemStorage::new_with_voters([1]);
        s.append(&ents(first, last, term));
        s
    }

    #[test]
    fn unstable_entries_shadow_the_storage_until_stored() {
        let mut store = storage_with(1, 5, 1);
        let mut log = UnstableLog::default();
        // A new leader's append replaces 4.. in term 2: the stored 5 is gone from raft's log.
        log.handed_out(None, &ents(4, 4, 2));
        assert_eq!(log.term(&store, 3), Some(1));
        assert_eq!(log.term(&store, 4), Some(2));
        assert_eq!(log.term(&store, 5), None);
        // A later append in flight replaces 4.. again before the first is stored.
        log.handed_out(None, &ents(4, 6, 3));
        store.append(&ents(4, 4, 2));
        log.stored(None, &ents(4, 4, 2));
        assert_eq!(log.term(&store, 4), Some(3), "the later append wins");
        store.append(&ents(4, 6, 3));
        log.stored(None, &ents(4, 6, 3));
        assert_eq!(log.term(&store, 6), Some(3));
        assert_eq!(log.term(&store, 7), None);
        assert!(log.terms.is_empty());
    }

    #[test]
    fn a_snapshot_in_flight_replaces_the_whole_log() {
        let store = storage_with(1, 5, 1);
        let mut log = UnstableLog::default();
        log.handed_out(Some((10, 2)), &ents(11, 12, 2));
        assert_eq!(log.first_index(&store), 11);
        assert_eq!(log.term(&store, 3), None);
        assert_eq!(log.term(&store, 10), Some(2));
        assert_eq!(log.term(&store, 12), Some(2));
        // Installed: the storage holds it now, and the entries after it are still in
        // flight.
        log.stored(Some(10), &[]);
        assert_eq!(log.snapshot, None);
        assert_eq!(log.term(&store, 12), Some(2));
    }
}
