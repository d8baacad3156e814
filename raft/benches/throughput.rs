//! Commit throughput of an in-memory cluster driven by a synchronous
//! step/ready/advance loop: election first, then no ticks in the timed part.
//!
//! Prints `throughput nodes=N batch=B entries_per_sec=X` per configuration (best of 3),
//! and beside each the same loop with asynchronous storage writes,
//! `throughput nodes=N batch=B mode=async entries_per_sec=X`: each cycle the nodes'
//! Readies go out first (a leader's MsgApps leave before its own write), then the
//! append threads' and apply threads' queued work runs and their responses come back.
//! Like a real raft application (etcd's raftexample), each node compacts its in-memory
//! log every `COMPACT_EVERY` applied entries, keeping `COMPACT_KEEP` entries for slow
//! followers. The `throughput-nocompact` lines show the same loop without compaction,
//! where MemStorage's growing Vec (100k entries per node) costs a quarter of the time.

use linsim_raft::async_storage::hard_state_of;
use linsim_raft::{
    Config, MemStorage, Message, RawNode, StateType, Storage, LOCAL_APPEND_THREAD,
    LOCAL_APPLY_THREAD,
};
use std::collections::VecDeque;
use std::time::Instant;

const PROPOSALS: u64 = 100_000;
const PAYLOAD: usize = 16;
const COMPACT_EVERY: u64 = 10_000;
const COMPACT_KEEP: u64 = 1_000;

struct Cluster {
    nodes: Vec<RawNode<MemStorage>>,
    inbox: VecDeque<Message>,
    /// Async mode: each node's append and apply threads' queued work.
    appends: Vec<VecDeque<Message>>,
    applies: Vec<VecDeque<Message>>,
    applied: u64,
    compact: bool,
    async_writes: bool,
}

impl Cluster {
    fn new(n: u64, compact: bool, async_writes: bool) -> Cluster {
        let nodes = (1..=n)
            .map(|id| {
                let cfg = Config {
                    max_inflight_msgs: 4096,
                    async_storage_writes: async_writes,
                    ..Config::new(id)
                };
                RawNode::new(&cfg, MemStorage::new_with_voters(1..=n)).expect("valid config")
            })
            .collect();
        Cluster {
            nodes,
            inbox: VecDeque::new(),
            appends: (0..n).map(|_| VecDeque::new()).collect(),
            applies: (0..n).map(|_| VecDeque::new()).collect(),
            applied: 0,
            compact,
            async_writes,
        }
    }

    fn cycle(&mut self) {
        if self.async_writes {
            self.cycle_async();
        } else {
            self.cycle_sync();
        }
    }

    /// Async mode: every node's Ready is routed, the network delivered, then the append
    /// threads and the apply threads run and their responses are delivered.
    fn cycle_async(&mut self) {
        for i in 0..self.nodes.len() {
            if !self.nodes[i].has_ready() {
                continue;
            }
            for m in self.nodes[i].ready().messages {
                match m.to {
                    LOCAL_APPEND_THREAD => self.appends[i].push_back(m),
                    LOCAL_APPLY_THREAD => self.applies[i].push_back(m),
                    _ => self.inbox.push_back(m),
                }
            }
        }
        self.deliver();
        for i in 0..self.nodes.len() {
            while let Some(m) = self.appends[i].pop_front() {
                let store = self.nodes[i].store_mut();
                if let Some(hs) = hard_state_of(&m) {
                    store.set_hard_state(hs);
                }
                store.append(&m.entries);
                self.inbox.extend(m.responses);
            }
            while let Some(m) = self.applies[i].pop_front() {
                if i == 0 {
                    self.applied += m.entries.iter().filter(|e| !e.data.is_empty()).count() as u64;
                }
                let applied_to = m.entries.last().map(|e| e.index);
                self.inbox.extend(m.responses);
                self.maybe_compact(i, applied_to);
            }
        }
        self.deliver();
    }

    /// Steps every message in flight (storage responses go back to their node).
    fn deliver(&mut self) {
        while let Some(m) = self.inbox.pop_front() {
            let to = m.to as usize - 1;
            self.nodes[to].step(m).expect("step");
        }
    }

    /// Compacts node `i`'s log as a real application would, once enough is applied.
    fn maybe_compact(&mut self, i: usize, applied_to: Option<u64>) {
        let node = &mut self.nodes[i];
        if let Some(applied) = applied_to.filter(|_| self.compact) {
            let first = node.store().first_index().expect("first index");
            if applied >= first + COMPACT_EVERY + COMPACT_KEEP {
                node.store_mut()
                    .compact(applied - COMPACT_KEEP)
                    .expect("compact applied entries");
            }
        }
    }

    /// One Ready cycle on every node, then deliver every message produced.
    fn cycle_sync(&mut self) {
        for i in 0..self.nodes.len() {
            let node = &mut self.nodes[i];
            if !node.has_ready() {
                continue;
            }
            let mut rd = node.ready();
            if let Some(hs) = rd.hard_state {
                node.store_mut().set_hard_state(hs);
            }
            node.store_mut().append(&rd.entries);
            self.inbox.extend(rd.messages.drain(..));
            if i == 0 {
                self.applied += rd
                    .committed_entries
                    .iter()
                    .filter(|e| !e.data.is_empty())
                    .count() as u64;
            }
            let applied_to = rd.committed_entries.last().map(|e| e.index);
            node.advance();
            self.maybe_compact(i, applied_to);
        }
        self.deliver();
    }
}

fn run(nodes: u64, batch: u64, compact: bool, async_writes: bool) -> f64 {
    let mut c = Cluster::new(nodes, compact, async_writes);
    c.nodes[0].campaign().expect("campaign");
    for _ in 0..10 {
        c.cycle();
    }
    assert_eq!(
        c.nodes[0].status().soft_state.raft_state,
        StateType::StateLeader
    );
    let payload = vec![7u8; PAYLOAD];
    let start = Instant::now();
    let mut proposed = 0;
    while c.applied < PROPOSALS {
        let n = batch.min(PROPOSALS - proposed);
        for _ in 0..n {
            c.nodes[0].propose(payload.clone()).expect("leader accepts");
        }
        proposed += n;
        c.cycle();
    }
    PROPOSALS as f64 / start.elapsed().as_secs_f64()
}

/// What code probes cost: nanoseconds per counted hit, and hits per committed entry
/// in the batch-1 throughput loop (probes sit on rare branches, so few).
fn probe_cost() {
    const HITS: u64 = 100_000_000;
    let _ = linsim_raft::probes::take();
    let start = Instant::now();
    for _ in 0..HITS {
        linsim_raft::probe!(AppendAckStale);
        std::hint::black_box(());
    }
    let ns_per_hit = start.elapsed().as_nanos() as f64 / HITS as f64;
    let _ = linsim_raft::probes::take();
    let eps = run(3, 1, true, false);
    let hits: u64 = linsim_raft::probes::take().iter().sum();
    let per_entry = hits as f64 / PROPOSALS as f64;
    let overhead = per_entry * ns_per_hit * eps / 1e9;
    println!(
        "probes ns_per_hit={ns_per_hit:.2} hits_per_entry={per_entry:.3} overhead_share={:.5}",
        overhead
    );
}

fn main() {
    probe_cost();
    for (label, compact) in [("throughput", true), ("throughput-nocompact", false)] {
        for (nodes, batch) in [(3, 1), (3, 64), (5, 64)] {
            let best = |async_writes| {
                (0..3)
                    .map(|_| run(nodes, batch, compact, async_writes))
                    .fold(0.0, f64::max)
            };
            let sync = best(false);
            println!("{label} nodes={nodes} batch={batch} entries_per_sec={sync:.0}");
            let asynchronous = best(true);
            println!(
                "{label} nodes={nodes} batch={batch} mode=async entries_per_sec={asynchronous:.0}"
            );
        }
    }
}
