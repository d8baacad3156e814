//! The state machine side of a server: applying committed entries (data, sessions,
//! membership changes), taking and installing snapshots, and answering the reads
//! waiting for an applied index. Both storage modes share it.

use super::{Driver, Server};
use crate::bugs::SimBug;
use crate::convert;
use crate::durable::Writes;
use crate::kv::{KvCommand, KvResult, KvStore, Proposal, Response};
use crate::probes::probe;
use linsim_checker::history::fnv1a;
use linsim_raft::ConfState;
use linsim_sim::ReadPath;
use std::sync::atomic::Ordering;

/// A digest of a state machine and the configuration it runs with: servers at the
/// same index must agree on both.
fn state_digest(data: &[u8], conf: &linsim_raft::ConfState) -> u64 {
    let conf = serde_json::to_vec(conf).expect("configurations serialize");
    linsim_checker::history::fnv1a_continue(fnv1a(data), &conf)
}

impl Server {
    /// Installs a snapshot from the leader (durable by now): raft storage and the state
    /// machine jump to its index.
    pub(super) fn install_snapshot(&mut self, snap: &linsim_raft::Snapshot) {
        let index = snap.metadata.index;
        self.node.with_store(|store| {
            store
                .apply_snapshot(snap.clone())
                .expect("raft hands out only snapshots newer than storage's")
        });
        self.kv = KvStore::restore(&snap.data, self.kv.sessions());
        self.applied = index;
        probe!(SnapshotInstalled);
        // Raft restored its configuration from the snapshot when it took it in. With
        // async storage writes that was when it handed the snapshot out, and raft may
        // have taken a newer snapshot in since: the configuration it restored from
        // this one was noted then (`restored_confs`).
        if let Driver::Node(n) = &mut self.node {
            n.prev_conf = std::mem::replace(&mut n.conf, snap.metadata.conf_state.clone());
        }
        let conf = self
            .restored_confs
            .remove(&index)
            .unwrap_or_else(|| self.node.conf_state());
        self.restored_confs.retain(|&i, _| i > index);
        let digest = state_digest(&snap.data, &conf);
        self.ctx
            .raft()
            .snapshot_installed(index, digest, &convert::config(&conf));
    }

    /// Snapshots the state machine after applying `index` and compacts the log, keeping
    /// half a snapshot interval of entries so that a follower a little behind catches
    /// up from the log while one further behind gets the snapshot. The snapshot and the
    /// compaction reach the disk with the next sync.
    fn compact(&mut self, index: u64) {
        let every = self.ctx.knobs().snapshot_every;
        let data = if self.bugs.has(SimBug::SnapshotDropsSessions) {
            // Bug: the sessions stay behind; whoever restores this applies a resent
            // request again.
            self.kv.snapshot_without_sessions()
        } else {
            self.kv.snapshot()
        };
        // The configuration travels with the data: a server restored from this
        // snapshot must decide with the quorums in effect at `index`.
        let conf = self.node.conf_state();
        let digest = state_digest(&data, &conf);
        let compact_to = if self.bugs.has(SimBug::CompactPastApplied) {
            // Bug: the retention window measured from the commit index.
            self.node.committed().saturating_sub(every / 2)
        } else {
            index.saturating_sub(every / 2)
        };
        let snap = self.node.with_store(|store| {
            let last = linsim_raft::Storage::last_index(store).expect("memory storage");
            if index > last {
                // The state machine ran ahead of raft's storage: only a bug applies an
                // entry before it is stored (durable-before-apply has reported it).
                return None;
            }
            let snap = store.create_snapshot(index, Some(conf), data).ok()?;
            let compact_to = compact_to.min(last);
            if compact_to >= linsim_raft::Storage::first_index(store).expect("memory storage") {
                store
                    .compact(compact_to)
                    .expect("the compaction index is in the log");
            }
            Some((snap, compact_to))
        });
        let Some((snap, compact_to)) = snap else {
            return;
        };
        // Checked before the disk takes it (which asserts the same in debug builds):
        // the report names the compaction, in every build.
        let events = self.ctx.raft();
        if !events.snapshot_taken(index, digest, compact_to, self.applied) {
            return;
        }
        self.disk.with(|d| d.write_compaction(&snap, compact_to));
        probe!(LogCompacted);
        self.ctx.stats().compactions.fetch_add(1, Ordering::Relaxed);
    }

    /// Raft applied a committed membership change at `index`, which every server does
    /// at the same index (a change raft refuses, invalid in the current configuration,
    /// is refused alike everywhere).
    fn conf_change_applied(&mut self, index: u64, before: &ConfState, after: ConfState) {
        let (before, after) = (convert::config(before), convert::config(&after));
        self.ctx.raft().config_applied(index, &before, &after);
    }

    /// Raft refused the committed membership change at `index` (invalid in the
    /// configuration; every server refuses it alike): the configuration stays.
    fn conf_change_refused(&mut self, index: u64) {
        probe!(ConfChangeRefusedAtApply);
        self.ctx.raft().conf_change_refused(index);
    }

    /// Answers the confirmed reads whose index this server has applied.
    pub(super) fn serve_confirmed_reads(&mut self) {
        let applied = self.applied;
        // Bug (read-before-apply): answered whatever the state machine has applied.
        let at_once = self.bugs.has(SimBug::ReadBeforeApply);
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.confirmed_reads)
            .into_iter()
            .partition(|rs| rs.index <= applied || at_once);
        self.confirmed_reads = waiting;
        for rs in ready {
            let Some(read) = self.reads.remove(&rs.request_ctx[..]) else {
                continue;
            };
            probe!(ReadServedByReadIndex);
            self.ctx.raft().read_served(read.id, self.applied);
            let counters = self.ctx.stats();
            if self.ctx.knobs().reads == ReadPath::Lease {
                counters.reads_lease.fetch_add(1, Ordering::Relaxed);
            } else {
                counters.reads_read_index.fetch_add(1, Ordering::Relaxed);
            }
            let result = KvResult::Value(self.kv.get(&read.key));
            self.respond(
                read.client,
                Response::Ok {
                    id: read.id,
                    result,
                },
            );
        }
    }

    /// Applies a committed entry: the observer hears of it (and checks it is durable
    /// here), the state machine (or raft's configuration) takes it, and every
    /// `snapshot_every` indexes (and at every membership change) the log is compacted.
    /// With a `Node`, membership changes go through `apply_waiting` instead.
    pub(super) fn apply(&mut self, e: &linsim_raft::Entry) {
        self.applying(e);
        if e.is_conf_change() {
            if let Some(Ok(cc)) = e.conf_change() {
                let raw = self.node.raw();
                let before = raw.conf_state();
                match raw.apply_conf_change(&cc) {
                    Ok(after) => self.conf_change_applied(e.index, &before, after),
                    Err(_) => self.conf_change_refused(e.index),
                }
            }
        } else {
            self.apply_data(e);
        }
        self.compact_if_due(e);
    }

    /// As `apply`, for a `Node`: a membership change waits for raft's task to apply it.
    pub(super) async fn apply_waiting(&mut self, e: &linsim_raft::Entry) {
        let (Some(Ok(cc)), Driver::Node(_)) = (e.conf_change(), &self.node) else {
            self.apply(e);
            return;
        };
        self.applying(e);
        let Driver::Node(n) = &mut self.node else {
            unreachable!("matched above");
        };
        let before = n.conf.clone();
        match n.apply_conf_change(&cc).await {
            Ok(after) => self.conf_change_applied(e.index, &before, after),
            Err(_) => self.conf_change_refused(e.index),
        }
        self.compact_if_due(e);
    }

    /// The observer hears an entry is being applied.
    fn applying(&mut self, e: &linsim_raft::Entry) {
        self.applied = self.applied.max(e.index);
        self.ctx.raft().applying(&convert::entry(e));
    }

    /// Compacts after applying `e` if it is time.
    fn compact_if_due(&mut self, e: &linsim_raft::Entry) {
        let every = self.ctx.knobs().snapshot_every;
        // Snapshots where the state machine says (multiples of `every`, or of a larger
        // stride for a large state), so that every server snapshots the same indexes
        // and the observer can compare their state machines there; and at every
        // membership change, so that the snapshot a leader sends a server it just
        // added holds a configuration with that server in it (raft refuses to restore
        // one that does not: the new server could never catch up).
        if every > 0 && (self.kv.snapshot_due(e.index, every) || e.is_conf_change()) {
            self.compact(e.index);
        }
    }

    fn apply_data(&mut self, e: &linsim_raft::Entry) {
        if e.data.is_empty() {
            return;
        }
        let proposal = Proposal::from_bytes(&e.data);
        // A request can be in the log twice (resent by its client, or a forwarded
        // MsgProp duplicated by the network): the state machine applies it once, and
        // a second copy answers with the first one's result (decided at that index).
        let first_copy = self.kv.result_of(proposal.request).is_none();
        let result = self.kv.apply_request(proposal.request, &proposal.command);
        if let Some((client, forwarded)) = self.pending.remove(&proposal.request) {
            if forwarded {
                probe!(ForwardedRequestAnswered);
            }
            if matches!(proposal.command, KvCommand::Get { .. }) {
                self.ctx.stats().reads_log.fetch_add(1, Ordering::Relaxed);
                let events = self.ctx.raft();
                if first_copy {
                    events.read_served_from_log(proposal.request, e.index);
                } else {
                    events.read_dropped(proposal.request, e.index);
                }
            }
            self.respond(
                client,
                Response::Ok {
                    id: proposal.request,
                    result,
                },
            );
        }
    }
}
