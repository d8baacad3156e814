//! Randomized in-memory network (no simulator): 3- and 5-node clusters under random
//! message drop, reordering, delay and node restarts from MemStorage, over 1,000 seeded
//! schedules. After every step it asserts:
//! - election safety: at most one leader per term;
//! - log matching: durable entries with equal (index, term) have equal data and equal
//!   predecessors (checked incrementally as entries are persisted);
//! - leader completeness: every committed entry is in the log of every later leader
//!   when it takes office;
//! - state machine safety: no two nodes apply different entries at one index;
//! - read linearizability (ReadIndex, ReadOnlySafe), in the schedules with reads: a
//!   read's index covers every entry committed anywhere before the read was asked,
//!   whichever node asked it.
//!
//! A failure names its seed; rerun one with `RAFT_SEED=N cargo test -p linsim-raft
//! --test random_network`.

use linsim_raft::{Config, MemStorage, Message, RawNode, StateType, Storage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

const SCHEDULES: u64 = 1_000;
const STEPS: usize = 1_500;

struct Schedule {
    seed: u64,
    rng: StdRng,
    configs: Vec<Config>,
    nodes: Vec<RawNode<MemStorage>>,
    in_flight: Vec<Message>,
    leaders: BTreeMap<u64, u64>,
    durable: BTreeMap<(u64, u64), (bytes::Bytes, u64)>,
    committed: BTreeMap<u64, (u64, bytes::Bytes)>,
    leading: Vec<Option<u64>>,
    next_value: u64,
    /// Whether this schedule also asks for reads (and partitions nodes, so that a
    /// deposed leader may be asked one).
    with_reads: bool,
    /// The node cut off from all others, if any (schedules with reads only).
    isolated: Option<u64>,
    /// Pending reads by context: the highest commit index of any node when asked.
    reads: BTreeMap<bytes::Bytes, u64>,
    reads_served: usize,
}

impl Schedule {
    fn new(seed: u64, with_reads: bool) -> Schedule {
        let mut rng = StdRng::seed_from_u64(seed);
        let size: u64 = if seed.is_multiple_of(2) { 3 } else { 5 };
        let pre_vote = rng.random_bool(0.5);
        let check_quorum = rng.random_bool(0.5);
        let configs: Vec<Config> = (1..=size)
            .map(|id| Config {
                election_tick: 10,
                heartbeat_tick: 2,
                pre_vote,
                check_quorum,
                max_inflight_msgs: 4,
                seed,
                ..Config::new(id)
            })
            .collect();
        let nodes = configs
            .iter()
            .map(|c| RawNode::new(c, MemStorage::new_with_voters(1..=size)).expect("valid"))
            .collect();
        Schedule {
            seed,
            rng,
            configs,
            nodes,
            in_flight: Vec::new(),
            leaders: BTreeMap::new(),
            durable: BTreeMap::new(),
            committed: BTreeMap::new(),
            leading: vec![None; size as usize],
            next_value: 0,
            with_reads,
            isolated: None,
            reads: BTreeMap::new(),
            reads_served: 0,
        }
    }

    fn fail(&self, what: String) -> ! {
        panic!("seed {}: {what}", self.seed)
    }

    fn handle_readies(&mut self) {
        for i in 0..self.nodes.len() {
            if !self.nodes[i].has_ready() {
                continue;
            }
            let rd = self.nodes[i].ready();
            let node = &mut self.nodes[i];
            if let Some(hs) = rd.hard_state {
                node.store_mut().set_hard_state(hs);
            }
            node.store_mut().append(&rd.entries);
            for e in &rd.entries {
                let prev = node.store().term(e.index - 1).unwrap_or(0);
                let fact = (e.data.clone(), prev);
                match self.durable.get(&(e.index, e.term)) {
                    Some(seen) if *seen != fact => self.fail(format!(
                        "log matching: node {} persisted {}/{} with data {:?} after term {}, another node has data {:?} after term {}",
                        i + 1, e.term, e.index, e.data, prev, seen.0, seen.1
                    )),
                    Some(_) => {}
                    None => {
                        self.durable.insert((e.index, e.term), fact);
                    }
                }
            }
            for e in &rd.committed_entries {
                match self.committed.get(&e.index) {
                    Some((t, d)) if (*t, d) != (e.term, &e.data) => self.fail(format!(
                        "state machine safety: node {} applied {}/{} {:?}, another applied term {} {:?}",
                        i + 1, e.term, e.index, e.data, t, d
                    )),
                    Some(_) => {}
                    None => {
                        self.committed.insert(e.index, (e.term, e.data.clone()));
                    }
                }
            }
            for rs in &rd.read_states {
                let Some(floor) = self.reads.remove(&rs.request_ctx) else {
                    self.fail(format!(
                        "node {} got read state {:?} twice or unasked",
                        i + 1,
                        rs.request_ctx
                    ));
                };
                if rs.index < floor {
                    self.fail(format!(
                        "stale read: node {} served {:?} at index {}, but index {floor} was committed before it was asked",
                        i + 1,
                        rs.request_ctx,
                        rs.index
                    ));
                }
                self.reads_served += 1;
            }
            self.in_flight.extend(rd.messages);
            self.nodes[i].advance();
        }
        self.check_leaders();
    }

    fn check_leaders(&mut self) {
        for i in 0..self.nodes.len() {
            let r = &self.nodes[i];
            if r.role() != StateType::StateLeader {
                self.leading[i] = None;
                continue;
            }
            let (id, term) = (r.id(), r.term());
            match self.leaders.get(&term) {
                Some(&other) if other != id => self.fail(format!(
                    "election safety: nodes {other} and {id} both lead term {term}"
                )),
                _ => {
                    self.leaders.insert(term, id);
                }
            }
            if self.leading[i] != Some(term) {
                // Taking office: every entry committed so far must be in its log.
                for (&index, (t, _)) in &self.committed {
                    let have = r.term_at(index);
                    if have != Some(*t) {
                        self.fail(format!(
                            "leader completeness: new leader {id} of term {term} has term {have:?} at committed index {index} (committed term {t})"
                        ));
                    }
                }
                self.leading[i] = Some(term);
            }
        }
    }

    fn step(&mut self) {
        let n = self.nodes.len();
        // Reads take the rolls past 1000: schedules without them draw exactly as
        // before reads existed.
        let rolls = if self.with_reads { 1040 } else { 1000 };
        match self.rng.random_range(0..rolls) {
            0..=299 => {
                let i = self.rng.random_range(0..n);
                self.nodes[i].tick();
            }
            300..=849 if !self.in_flight.is_empty() => {
                // Any in-flight message may be next: delay and reordering.
                let k = self.rng.random_range(0..self.in_flight.len());
                let m = self.in_flight.swap_remove(k);
                if self.rng.random_bool(0.05) {
                    return; // dropped
                }
                if self.isolated.is_some_and(|id| id == m.from || id == m.to) {
                    return; // partitioned
                }
                let to = m.to as usize - 1;
                let _ = self.nodes[to].step(m);
            }
            850..=989 => {
                let i = self.rng.random_range(0..n);
                self.next_value += 1;
                let _ = self.nodes[i].propose(format!("v{}", self.next_value).into_bytes());
            }
            990..=994 => {
                // Crash and restart from durable state: everything handled is durable.
                let i = self.rng.random_range(0..n);
                let storage = self.nodes[i].store().clone();
                self.nodes[i] = RawNode::new(&self.configs[i], storage).expect("valid");
                self.leading[i] = None;
            }
            1035.. => {
                // Cut a node off from the others, or heal.
                self.isolated = match self.isolated {
                    Some(_) => None,
                    None => Some(self.rng.random_range(1..=n as u64)),
                };
            }
            1000.. => {
                let i = self.rng.random_range(0..n);
                self.next_value += 1;
                let ctx = bytes::Bytes::from(format!("r{}", self.next_value));
                let floor = self.nodes.iter().map(|n| n.committed()).max();
                self.reads.insert(ctx.clone(), floor.unwrap_or(0));
                self.nodes[i].read_index(ctx);
            }
            _ => {}
        }
        self.handle_readies();
    }
}

fn run_schedule(seed: u64, with_reads: bool) -> (usize, usize, usize) {
    let mut s = Schedule::new(seed, with_reads);
    for _ in 0..STEPS {
        s.step();
    }
    (s.leaders.len(), s.committed.len(), s.reads_served)
}

/// Runs the schedules (or the one in `RAFT_SEED`); returns how many there were and
/// the terms led, entries committed and reads served over all of them.
fn run_schedules(count: u64, with_reads: bool) -> (usize, usize, usize, usize) {
    let seeds: Vec<u64> = match std::env::var("RAFT_SEED") {
        Ok(v) => vec![v.parse().expect("RAFT_SEED must be a number")],
        Err(_) => (0..count).collect(),
    };
    let (mut terms_led, mut entries_committed, mut reads_served) = (0, 0, 0);
    for seed in seeds.iter().copied() {
        match catch_unwind(AssertUnwindSafe(|| run_schedule(seed, with_reads))) {
            Ok((t, c, r)) => {
                terms_led += t;
                entries_committed += c;
                reads_served += r;
            }
            Err(e) => {
                let what = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("schedule failed: seed {seed} (rerun with RAFT_SEED={seed}): {what}");
            }
        }
    }
    eprintln!(
        "{} schedules: {terms_led} terms led, {entries_committed} entries committed, {reads_served} reads served",
        seeds.len()
    );
    (seeds.len(), terms_led, entries_committed, reads_served)
}

#[test]
fn random_network_preserves_raft_safety_over_1000_schedules() {
    let (schedules, terms_led, entries_committed, _) = run_schedules(SCHEDULES, false);
    // The schedules must exercise something: elections and commits happen.
    if schedules > 1 {
        assert!(terms_led > 2 * schedules, "too few leaders: {terms_led}");
        assert!(
            entries_committed > 50 * schedules,
            "too few commits: {entries_committed}"
        );
    }
}

#[test]
fn random_network_reads_are_linearizable_over_500_schedules() {
    // Every read is a heartbeat round: the extra messages slow replication and hold
    // elections off, so the floors here are lower than above.
    let (schedules, terms_led, entries_committed, reads_served) = run_schedules(500, true);
    if schedules > 1 {
        assert!(terms_led > schedules, "too few leaders: {terms_led}");
        assert!(
            entries_committed > 50 * schedules,
            "too few commits: {entries_committed}"
        );
        assert!(
            reads_served > 5 * schedules,
            "too few reads served: {reads_served}"
        );
    }
}
