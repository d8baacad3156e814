//! linsim-kv: linsim's own Raft KV service, the first system under test. Each server
//! runs linsim-raft (an etcd-style Raft) over the framework's simulated disk and
//! network, with a key-value state machine, client sessions, ReadIndex and lease
//! reads, snapshots and compaction, membership changes and leadership transfer; the
//! knob `storage` picks the classic Ready loop, etcd's async storage writes, or etcd's
//! Node API. It reports everything it does through the Raft observation API, so every
//! check runs on it, and it carries the bug zoo (`zoo`).
//!
//! It is written against the framework's public boundary (`linsim_sim::system`)
//! only, as any user's system would be.

#![warn(missing_docs)]

pub mod bugs;
pub mod client;
pub mod convert;
pub mod durable;
pub mod kv;
pub mod probes;
mod server;
pub mod structures;
pub mod wire;
pub mod zoo;

use linsim_probes::ProbeSet;
use linsim_sim::system::{
    BugSpec, Client, ConfChange, LeadershipTransfer, MembershipChanges, NodeRef, RaftObserved,
    ServerFuture, ServerNode, System,
};
use server::AdminCommand;

/// linsim's Raft KV service.
pub struct LinsimKv;

/// The knobs its servers read (besides the framework's own).
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
    "storage",
    "apply_latency_us",
];

impl System for LinsimKv {
    fn name(&self) -> &'static str {
        linsim_sim::DEFAULT_SYSTEM
    }

    fn about(&self) -> &'static str {
        "linsim's own Raft KV service: linsim-raft (etcd's design) with sessions, ReadIndex and lease reads, snapshots, joint consensus, sync/async storage writes and the Node API; carries the bug zoo"
    }

    fn knobs(&self) -> &'static [&'static str] {
        KNOBS
    }

    fn serve(&self, node: ServerNode) -> ServerFuture {
        Box::pin(server::run(node))
    }

    fn client(&self, _slot: u64) -> Box<dyn Client> {
        Box::new(client::KvClient::linsim_kv())
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
        vec![linsim_raft::probes::SET, probes::SET]
    }

    fn bugs(&self) -> Vec<BugSpec> {
        zoo::ZOO.iter().map(zoo::ZooBug::spec).collect()
    }
}

impl RaftObserved for LinsimKv {
    fn library(&self) -> &'static str {
        "linsim-raft"
    }
}

impl MembershipChanges for LinsimKv {
    fn propose(&self, via: NodeRef<'_>, change: &ConfChange) {
        let cc = convert::conf_change(change);
        via.command(Box::new(AdminCommand::ProposeConfChange(cc)));
    }
}

impl LeadershipTransfer for LinsimKv {
    fn transfer(&self, from: NodeRef<'_>, to: u64) {
        from.command(Box::new(AdminCommand::TransferLeader(to)));
    }
}
