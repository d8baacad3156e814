//! The classic synchronous Ready loop (`storage=sync`): persist, fsync, send, apply,
//! advance, one after another on the raft loop.

use super::Server;
use crate::bugs::SimBug;
use crate::durable::Writes;
use crate::wire;
use linsim_raft::Message;

impl Server {
    /// Handles one Ready synchronously: nothing leaves before what it promises is
    /// durable, and nothing is applied before it is durable here.
    pub(super) async fn process_ready(&mut self) {
        if !self.node.raw().has_ready() {
            return;
        }
        let rd = self.node.raw().ready();
        let bugs = self.bugs;
        // 0. Report role and commit changes now, before any await: a pause must not make a
        //    node's election or commit look later than it was.
        self.report_state(rd.hard_state.map(|hs| hs.commit));
        // 1. Persist entries and hard state; sync when raft says so. A crash while the
        //    sync is in flight loses these writes. Only then may messages leave: a vote
        //    or an append ack promises that what it acknowledges survives a crash.
        self.disk.with(|disk| {
            if let Some(snap) = &rd.snapshot {
                disk.write_installed_snapshot(snap);
            }
            disk.write_entries(&rd.entries);
            if let Some(hs) = rd.hard_state {
                disk.write_hard_state(hs);
            }
        });
        if bugs.has(SimBug::AckBeforeFsync) {
            self.send_messages(&rd.messages);
        }
        let skip_sync = bugs.has(SimBug::UnsyncedVote) && rd.entries.is_empty();
        if rd.must_sync && !skip_sync {
            super::fsync(&self.disk, self.ctx.raft()).await;
        }
        // The snapshot goes first: the entries of this Ready follow it in the log.
        if let Some(snap) = &rd.snapshot {
            self.install_snapshot(snap);
        }
        let store = self.node.raw().store_mut();
        if let Some(hs) = rd.hard_state {
            store.set_hard_state(hs);
        }
        store.append(&rd.entries);
        // 2. Send messages, each checked against what is durable now.
        if !bugs.has(SimBug::AckBeforeFsync) {
            self.send_messages(&rd.messages);
        }
        // 3. Apply committed entries; answer the requests this server proposed.
        let to_apply = if bugs.has(SimBug::ApplyBeforeCommit) {
            // Bug: applied as soon as appended, committed or not.
            &rd.entries
        } else {
            &rd.committed_entries
        };
        for e in to_apply {
            self.apply(e);
        }
        self.take_read_states(rd.read_states.clone());
        self.serve_confirmed_reads();
        self.node.raw().advance();
    }

    /// Sends messages, each checked against what is durable now.
    fn send_messages(&self, messages: &[Message]) {
        let raw = self.node.raw_ref();
        let log_term_at = |_: &dyn linsim_sim::system::RaftDurable, i: u64| raw.term_at(i);
        let leader_self_match = self.node.raw_leader_self_match();
        self.check_sent(messages.iter(), &log_term_at, leader_self_match);
        let peers = self.ctx.sender();
        for m in messages {
            wire::send_raft(&peers, self.ctx.stats(), m);
        }
    }
}
