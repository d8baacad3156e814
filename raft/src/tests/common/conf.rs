//! Conf change helpers for membership tests.
#![allow(dead_code)]

use crate::probes::{take, Probe};
use crate::raft::Raft;
use crate::{
    ConfChange, ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, ConfState,
    Config, MemStorage,
};

/// A V1 change making `id` a voter.
pub fn add(id: u64) -> ConfChange {
    v1(ConfChangeType::AddNode, id)
}

/// A V1 change removing `id`.
pub fn remove(id: u64) -> ConfChange {
    v1(ConfChangeType::RemoveNode, id)
}

/// A V1 change making `id` a learner.
pub fn add_learner(id: u64) -> ConfChange {
    v1(ConfChangeType::AddLearnerNode, id)
}

fn v1(change_type: ConfChangeType, node_id: u64) -> ConfChange {
    ConfChange {
        change_type,
        node_id,
        ..ConfChange::default()
    }
}

/// A V2 change from etcd's notation: `v4 r3 l5`.
pub fn v2(transition: ConfChangeTransition, changes: &str) -> ConfChangeV2 {
    let changes = changes
        .split_whitespace()
        .map(|tok| {
            let kind = match &tok[..1] {
                "v" => ConfChangeType::AddNode,
                "l" => ConfChangeType::AddLearnerNode,
                "r" => ConfChangeType::RemoveNode,
                other => panic!("unknown change {other:?}"),
            };
            ConfChangeSingle::new(kind, tok[1..].parse().expect("a node id"))
        })
        .collect();
    ConfChangeV2::new(transition, changes)
}

/// A joint membership: `voters` incoming, `outgoing` outgoing.
pub fn joint(voters: &[u64], outgoing: &[u64]) -> ConfState {
    ConfState {
        voters: voters.to_vec(),
        voters_outgoing: outgoing.to_vec(),
        ..ConfState::default()
    }
}

/// A raft over storage whose membership is `cs`, with `tweak` applied to its config.
pub fn raft_with_conf(id: u64, cs: ConfState, tweak: impl Fn(&mut Config)) -> Raft<MemStorage> {
    let mut c = Config {
        election_tick: 10,
        heartbeat_tick: 1,
        ..Config::new(id)
    };
    tweak(&mut c);
    Raft::new(&c, MemStorage::new_with_conf_state(cs)).expect("valid config")
}

/// Probe hits taken from this thread's counters.
pub struct ProbeHits(Vec<u64>);

impl ProbeHits {
    /// The hits of `p`.
    pub fn of(&self, p: Probe) -> u64 {
        self.0[p as usize]
    }
}

/// The probe hits on this thread since the last take (and resets the counters).
pub fn take_probes() -> ProbeHits {
    ProbeHits(take())
}
