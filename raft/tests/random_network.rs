//! Randomized in-memory network (no simulator): 3- and 5-node clusters under random
//! message drop, reordering, delay and node restarts from MemStorage, over 1,000 seeded
//! schedules. After every step it asserts:
//! - election safety: at most one leader per term;
//! - log matching: durable entries with equal (index, term) have equal data and equal
//!   predecessors (checked incrementally as entries are persisted);
//! - leader completeness: every committed entry is in the log of every later leader
//!   when it takes office;
//! - state machine safety: no two nodes apply different entries at one index.
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
}

impl Schedule {
    fn new(seed: u64) -> Schedule {
        let mut rng = StdRng::seed_from_u64(seed);
        let size: u64 = if seed % 2 == 0 { 3 } else { 5 };
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
            self.in_flight.extend(rd.messages);
            self.nodes[i].advance();
        }
        self.check_leaders();
    }

    fn check_leaders(&mut self) {
        for i in 0..self.nodes.len() {
            let r = &self.nodes[i].raft;
            if r.state != StateType::StateLeader {
                self.leading[i] = None;
                continue;
            }
            let (id, term) = (r.id, r.term);
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
                    let have = r.raft_log.term(index).ok();
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
        match self.rng.random_range(0..1000) {
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
            _ => {}
        }
        self.handle_readies();
    }
}

fn run_schedule(seed: u64) -> (usize, usize) {
    let mut s = Schedule::new(seed);
    for _ in 0..STEPS {
        s.step();
    }
    (s.leaders.len(), s.committed.len())
}

#[test]
fn random_network_preserves_raft_safety_over_1000_schedules() {
    let seeds: Vec<u64> = match std::env::var("RAFT_SEED") {
        Ok(v) => vec![v.parse().expect("RAFT_SEED must be a number")],
        Err(_) => (0..SCHEDULES).collect(),
    };
    let (mut terms_led, mut entries_committed) = (0, 0);
    for seed in seeds.iter().copied() {
        match catch_unwind(AssertUnwindSafe(|| run_schedule(seed))) {
            Ok((t, c)) => {
                terms_led += t;
                entries_committed += c;
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
        "{} schedules: {terms_led} terms led, {entries_committed} entries committed",
        seeds.len()
    );
    // The schedules must exercise something: elections and commits happen.
    if seeds.len() > 1 {
        assert!(terms_led > 2 * seeds.len(), "too few leaders: {terms_led}");
        assert!(
            entries_committed > 50 * seeds.len(),
            "too few commits: {entries_committed}"
        );
    }
}
