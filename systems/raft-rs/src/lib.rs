//! linsim-raft-rs: tikv's raft crate (raft-rs 0.7, from crates.io) as a system under
//! test. Each server drives raft-rs's `RawNode` in the synchronous Ready loop over the
//! framework's simulated disk (raft-rs's `Storage` reads the disk's durable state) and
//! network, with linsim-kv's key-value state machine and client protocol on top:
//! client sessions, ReadIndex reads, snapshots and compaction, membership changes
//! through `ConfChangeV2` (joint consensus), and leadership transfer.
//!
//! It reports what raft-rs does through the Raft observation API, read from
//! raft-rs's public state (role, term, log, commit, progress, read states) and from
//! its own disk, so the Raft invariants run on it: election safety, log matching,
//! leader completeness, state machine safety, leader-commits-own-term, commit
//! quorums, durable-before-send, durable-before-apply, term and vote monotonicity,
//! apply order, snapshot agreement and compaction safety, the membership checks, the
//! ReadIndex and read-progress checks, transfer progress, and liveness.
//!
//! raft-rs's election timeouts come from rand 0.8's `thread_rng`, which the simulator
//! does not make deterministic: the range is pinned and the randomness is put back
//! through ticks drawn from the seed (`server::election`).
//!
//! Written against the framework's public boundary (`linsim_sim::system`) only.

#![warn(missing_docs)]

pub mod bugs;
pub mod convert;
pub mod durable;
pub mod probes;
mod server;
pub mod storage;
pub mod wire;

use linsim_probes::ProbeSet;
use linsim_sim::system::{
    BugSpec, Client, ConfChange, LeadershipTransfer, MembershipChanges, NodeRef, RaftObserved,
    ServerFuture, ServerNode, System,
};
pub use server::Command;

/// tikv's raft-rs as a KV service.
pub struct RaftRs;

/// The knobs its servers read (besides the framework's own). It has no storage modes
/// (the synchronous Ready loop only), so `storage` and `apply_latency_us` do not apply.
pub const KNOBS: &[&str] = &[
    "heartbeat_tick",
    "pre_vote",
    "check_quorum",
    "max_size_per_msg",
    "max_inflight_msgs",
    "max_uncommitted_size",
    "ready_batch",
    "reads",
    "snapshot_every",
];

impl System for RaftRs {
    fn name(&self) -> &'static str {
        "raft-rs"
    }

    fn about(&self) -> &'static str {
        "tikv's raft-rs 0.7 (RawNode, synchronous Ready loop) with linsim-kv's state machine: sessions, ReadIndex reads, snapshots, ConfChangeV2 joint consensus, leadership transfer"
    }

    fn knobs(&self) -> &'static [&'static str] {
        KNOBS
    }

    fn serve(&self, node: ServerNode) -> ServerFuture {
        Box::pin(server::run(node))
    }

    fn client(&self, _slot: u64) -> Box<dyn Client> {
        Box::new(linsim_kv::client::KvClient::new(|| {
            probes::probe!(StaleResponseSkipped)
        }))
    }

    fn raft(&self) -> Option<&dyn RaftObserved> {
        Some(self)
    }

    fn membership(&self) -> Option<&dyn MembershipChanges> {
        Some(self)
    }

    fn transfer(&self) -> Option<&dyn LeadershipTransfer> {
        Some(self)
    }

    fn probes(&self) -> Vec<ProbeSet> {
        vec![probes::SET]
    }

    fn bugs(&self) -> Vec<BugSpec> {
        bugs::BUGS.to_vec()
    }
}

impl RaftObserved for RaftRs {
    fn library(&self) -> &'static str {
        "raft-rs 0.7"
    }
}

impl MembershipChanges for RaftRs {
    fn propose(&self, via: NodeRef<'_>, change: &ConfChange) {
        let cc = convert::conf_change(change);
        via.command(Box::new(Command::ProposeConfChange(cc)));
    }
}

impl LeadershipTransfer for RaftRs {
    fn transfer(&self, from: NodeRef<'_>, to: u64) {
        from.command(Box::new(Command::TransferLeader(to)));
    }
}
