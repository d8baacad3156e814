//! The state machine side of a server: applying committed entries (data through the
//! KV store's client sessions, membership changes through raft-rs), installing the
//! leader's snapshots, and taking snapshots of its own to compact the log.

use super::Server;
use crate::convert;
use crate::durable::Writes;
use crate::probes::probe;
use linsim_checker::history::{fnv1a, fnv1a_continue};
use linsim_kv::kv::{KvCommand, KvStore, Proposal, Response};
use linsim_sim::system::Config;
use protobuf::Message as _;
use raft::eraftpb::{ConfChange, ConfChangeV2, ConfState, Entry, EntryType, Snapshot};
use raft::StateRole;
use std::sync::atomic::Ordering;

/// A digest of a state machine and the configuration it runs with: servers at the
/// same index must agree on both.
fn state_digest(data: &[u8], conf: &Config) -> u64 {
    let mut ids = Vec::new();
    for (tag, list) in [
        (1u64, &conf.voters),
        (2, &conf.learners),
        (3, &conf.voters_outgoing),
        (4, &conf.learners_next),
    ] {
        ids.extend(tag.to_le_bytes());
        ids.extend(list.iter().flat_map(|id| id.to_le_bytes()));
    }
    ids.push(conf.auto_leave as u8);
    fnv1a_continue(fnv1a(data), &ids)
}

/// The membership change in a committed conf-change entry (an empty one leaves a
/// joint configuration, as raft-rs proposes it to leave one automatically).
enum Change {
    /// A legacy single change (linsim proposes none; read for completeness).
    V1(ConfChange),
    /// A `ConfChangeV2`.
    V2(ConfChangeV2),
}

fn conf_change_of(e: &Entry) -> Change {
    let bad = "conf-change entries hold a conf change";
    match e.get_entry_type() {
        EntryType::EntryConfChange => Change::V1(ConfChange::parse_from_bytes(&e.data).expect(bad)),
        _ => Change::V2(ConfChangeV2::parse_from_bytes(&e.data).expect(bad)),
    }
}

impl Server {
    /// Applies a committed entry: the observer hears of it (and checks it is durable
    /// here), the state machine or raft-rs's configuration takes it, and every
    /// `snapshot_every` indexes or so (`KvStore::snapshot_due`; and at every membership
    /// change) the log is compacted.
    pub(super) fn apply(&mut self, e: Entry) {
        self.applied = self.applied.max(e.index);
        self.ctx.raft().applying(&convert::entry(&e));
        if convert::is_conf_change(&e) {
            self.apply_conf_change(&e);
        } else {
            self.apply_data(&e);
        }
        let every = self.ctx.knobs().snapshot_every;
        // Snapshots where the state machine says (multiples of `every`, or of a larger
        // stride for a large state: `KvStore::snapshot_due`), so that every server
        // snapshots the same indexes and the observer can compare their state machines
        // there; and at every membership change, so that the snapshot a leader sends a
        // server it just added holds a configuration with that server in it (raft-rs
        // refuses to restore one that does not: the new server could never catch up).
        if every > 0 && (self.kv.snapshot_due(e.index, every) || convert::is_conf_change(&e)) {
            self.compact(e.index);
        }
    }

    /// raft-rs applies the membership change (or refuses it, invalid in the current
    /// configuration: every server refuses it alike and the configuration stays).
    fn apply_conf_change(&mut self, e: &Entry) {
        let before = self.raw.raft.prs().conf().to_conf_state();
        let applied = match conf_change_of(e) {
            Change::V1(cc) => self.raw.apply_conf_change(&cc),
            Change::V2(cc) => self.raw.apply_conf_change(&cc),
        };
        match applied {
            Ok(after) => {
                let (before, after) = (convert::config(&before), convert::config(&after));
                self.ctx.raft().config_applied(e.index, &before, &after);
                let voter =
                    after.voters.contains(&self.id) || after.voters_outgoing.contains(&self.id);
                if self.raw.raft.state == StateRole::Leader && !voter {
                    self.step_down_removed();
                }
            }
            Err(_) => {
                probe!(ConfChangeRefusedAtApply);
                self.ctx.raft().conf_change_refused(e.index);
            }
        }
    }

    /// This leader applied a configuration in which it does not vote. raft-rs 0.7
    /// keeps it in office (its `post_conf_change` returns early, "untested") with no
    /// progress of its own in the tracker, and panics unwrapping that progress at its
    /// next commit (`maybe_commit`) or persisted append (`on_persist_entries`). Its
    /// maintainers leave the clean-up to the application (tikv/raft-rs#373): TiKV
    /// destroys the removed peer; this server steps down at once, at the same term,
    /// as etcd's raft does with `StepDownOnRemoval` (and linsim-kv does). Not being a
    /// voter, it never campaigns; the remaining voters elect a leader. It must happen
    /// here, before `advance`, whose `on_persist_entries` would panic first.
    fn step_down_removed(&mut self) {
        probe!(LeaderAppliedOwnRemoval);
        if self.bugs.removed_leader_stays {
            return;
        }
        let term = self.raw.raft.term;
        self.raw.raft.become_follower(term, raft::INVALID_ID);
    }

    fn apply_data(&mut self, e: &Entry) {
        if e.data.is_empty() {
            // A new leader's empty entry.
            return;
        }
        let proposal = Proposal::from_bytes(&e.data);
        // A request can be in the log twice (resent by its client, or a forwarded
        // MsgPropose duplicated by the network): the state machine applies it once, and
        // a second copy answers with the first one's result (decided at that index).
        let first_copy = self.kv.result_of(proposal.request).is_none();
        let result = self.kv.apply_request(proposal.request, &proposal.command);
        let Some((client, forwarded)) = self.pending.remove(&proposal.request) else {
            return;
        };
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
        let id = proposal.request;
        self.respond(client, Response::Ok { id, result });
    }

    /// Installs a snapshot from the leader (durable by now): the state machine jumps to
    /// its index. raft-rs restored its configuration from it when it took it in.
    pub(super) fn install_snapshot(&mut self, snap: &Snapshot) {
        let meta = snap.get_metadata();
        self.kv = KvStore::restore(&snap.data, true);
        self.applied = meta.index;
        probe!(SnapshotInstalled);
        let conf = convert::config(meta.get_conf_state());
        let digest = state_digest(&snap.data, &conf);
        (self.ctx.raft()).snapshot_installed(meta.index, digest, &conf);
    }

    /// Snapshots the state machine after applying `index` and compacts the log, keeping
    /// half a snapshot interval of entries so that a follower a little behind catches
    /// up from the log while one further behind gets the snapshot. The snapshot and the
    /// compaction reach the disk with the next fsync; until then raft-rs's storage
    /// still reads the entries they drop.
    fn compact(&mut self, index: u64) {
        let every = self.ctx.knobs().snapshot_every;
        let data = self.kv.snapshot();
        // The configuration travels with the data: a server restored from this
        // snapshot decides with the quorums in force at `index`.
        let conf_state: ConfState = self.raw.raft.prs().conf().to_conf_state();
        let conf = convert::config(&conf_state);
        let digest = state_digest(&data, &conf);
        let Ok(term) = self.raw.raft.raft_log.term(index) else {
            return;
        };
        let durable_last = self.disk.durable(|d| d.last_index());
        let compact_to = index.saturating_sub(every / 2).min(durable_last);
        let events = self.ctx.raft();
        if !events.snapshot_taken(index, digest, compact_to, self.applied) {
            return;
        }
        let mut snap = Snapshot {
            data: data.into(),
            ..Snapshot::default()
        };
        let meta = snap.mut_metadata();
        meta.index = index;
        meta.term = term;
        meta.set_conf_state(conf_state);
        self.disk.with(|d| d.write_compaction(snap, compact_to));
        self.snapshot_unsynced = true;
        probe!(LogCompacted);
        self.ctx.stats().compactions.fetch_add(1, Ordering::Relaxed);
    }
}
