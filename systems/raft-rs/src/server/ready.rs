//! The Ready loop, in the order raft-rs documents it (its crate docs and
//! examples/five_mem_node): send the leader's messages, persist the snapshot, entries
//! and hard state, send the messages that depend on them, apply committed entries,
//! `advance`, then handle the `LightReady` (commit index, messages, committed entries)
//! and `advance_apply`.

use super::Server;
use crate::convert;
use crate::durable::{entries_of, Writes};
use crate::wire;
use linsim_sim::system::RaftDurable;
use raft::eraftpb::Message;
use raft::StateRole;

impl Server {
    /// Handles Readies until raft-rs has none (applying a membership change or
    /// leaving a joint configuration can make another at once).
    pub(super) async fn process_readies(&mut self) {
        while self.raw.has_ready() {
            self.process_ready().await;
        }
        // A snapshot of its own (taken at every membership change, among others) is
        // what raft-rs's storage hands a follower the log no longer reaches, and the
        // storage reads only the durable state: left in the page cache until the next
        // append, the newest snapshot would stay invisible while the cluster is idle,
        // and a follower just added would be sent an older one, whose configuration
        // lacks it, and which raft-rs refuses to restore, for good (seed 181 of
        // `kv --nemesis all`). So it is synced at once.
        if self.snapshot_unsynced {
            self.fsync().await;
        }
    }

    /// Handles one Ready synchronously: nothing that promises durability leaves before
    /// what it promises is durable, and nothing is applied before it is durable here.
    async fn process_ready(&mut self) {
        let mut rd = self.raw.ready();
        // 0. Report role and commit changes now, before any await: a pause must not
        //    make an election or a commit look later than it was.
        self.report_state(rd.hs().map(|hs| hs.commit));
        // 1. A leader's messages leave at once, before its own append is durable (Raft
        //    thesis §10.2.1; raft-rs hands them out only to a leader): they are appends
        //    and heartbeats, which promise nothing about the leader's disk. The leader
        //    counts its own log toward a commit only once raft-rs hears it is persisted
        //    (`advance`, below), which the durable-before-send check verifies.
        self.send_messages(&rd.take_messages());
        // 2. Persist the snapshot, entries and hard state; fsync when raft-rs says so
        //    (a new term, vote, entry or snapshot). A crash while the fsync is in
        //    flight loses these writes, and nothing below has happened yet.
        self.disk.with(|disk| {
            if !rd.snapshot().is_empty() {
                disk.write_installed_snapshot(rd.snapshot());
            }
            disk.write_entries(rd.entries());
            if let Some(hs) = rd.hs() {
                disk.write_hard_state(hs);
            }
        });
        if rd.must_sync() {
            self.fsync().await;
        }
        // The snapshot is durable: the state machine jumps to it.
        if !rd.snapshot().is_empty() {
            let snapshot = rd.snapshot().clone();
            self.install_snapshot(&snapshot);
        }
        // 3. Only now the messages a follower or candidate sends: a granted vote, a
        //    vote request and an append acknowledgement each promise that the vote or
        //    the entries they speak for survive a crash.
        self.send_messages(&rd.take_persisted_messages());
        // 4. Apply committed entries: raft-rs hands out only entries it knows are
        //    persisted here (up to min(committed, persisted)), so they are durable.
        for e in rd.take_committed_entries() {
            self.apply(e);
        }
        let read_states = rd.take_read_states();
        self.take_read_states(read_states);
        // 5. Advance: raft-rs now takes the entries and snapshot as persisted (they
        //    are: fsynced above, and its storage reads them back from the durable
        //    state); a leader counts its own append toward commits from here.
        let mut light = self.raw.advance(rd);
        if let Some(commit) = light.commit_index() {
            // The commit index need not be synced (raft-rs recomputes it): the record
            // becomes durable with the next fsync.
            let hs = self.raw.raft.hard_state();
            self.disk.with(|disk| disk.write_hard_state(&hs));
            self.report_state(Some(commit));
        }
        self.send_messages(&light.take_messages());
        for e in light.take_committed_entries() {
            self.apply(e);
        }
        self.raw.advance_apply();
        self.serve_confirmed_reads();
    }

    /// fsyncs the disk: takes the fsync latency of virtual time (a crash in it loses
    /// the page cache), then makes the writes durable and tells the observer.
    async fn fsync(&mut self) {
        self.snapshot_unsynced = false;
        let written = self.disk.fsync().await;
        let entries: Vec<_> = entries_of(&written).map(convert::entry).collect();
        self.ctx.raft().synced(&entries);
    }

    /// Sends messages, each checked against what is durable now (durable-before-send).
    fn send_messages(&self, messages: &[Message]) {
        if messages.is_empty() {
            return;
        }
        let raft = &self.raw.raft;
        // raft-rs's log as the messages were made: its unstable part, then its stable
        // part, which is the durable log the check hands in (`DiskStorage`). Asked
        // under the disks' lock, so raft-rs's storage (which takes it) is not read.
        let log = &raft.raft_log;
        let (first, last) = (log.first_index(), log.last_index());
        let log_term_at = |durable: &dyn RaftDurable, i: u64| {
            if i + 1 < first || i > last {
                return None;
            }
            log.unstable().maybe_term(i).or_else(|| durable.term(i))
        };
        let leader_self_match = (raft.state == StateRole::Leader)
            .then(|| raft.prs().get(self.id).map(|p| p.matched))
            .flatten();
        let sent = messages.iter().map(convert::sent);
        self.ctx.raft().sent(sent, &log_term_at, leader_self_match);
        let peers = self.ctx.sender();
        for m in messages {
            wire::send_raft(&peers, self.ctx.stats(), m);
        }
    }
}
