//! Client requests: writes (and reads on the log path) proposed to raft-rs, reads
//! confirmed by raft-rs's ReadIndex and answered once the state machine has applied
//! up to the read index.

use super::Server;
use crate::probes::probe;
use linsim_kv::kv::{KvCommand, KvResult, Proposal, Request, Response};
use linsim_sim::net::ClientAddr;
use linsim_sim::{ClientRouting, ReadPath};
use raft::{ReadState, StateRole};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// A ReadIndex read the server asked raft-rs to confirm.
struct PendingRead {
    /// Where to answer.
    client: ClientAddr,
    /// The client's request id.
    id: u64,
    /// The key read.
    key: String,
    /// Virtual time it was asked, ns.
    asked_ns: u64,
    /// When raft-rs confirmed it, if it did (its read state is in `Reads::confirmed`).
    confirmed_ns: Option<u64>,
}

/// The ReadIndex reads in flight at a server.
#[derive(Default)]
pub(super) struct Reads {
    /// By the context given to raft-rs.
    pending: BTreeMap<Vec<u8>, PendingRead>,
    /// Read states raft-rs confirmed, waiting for the state machine to reach them.
    confirmed: Vec<ReadState>,
    /// Reads asked of raft-rs so far in this incarnation (each ask's context is new).
    asked: u64,
}

/// How long a server waits for raft-rs to confirm a ReadIndex read, and then for its
/// state machine to reach the read index, in election timeouts, before it tells the
/// client to retry: raft-rs drops a read silently when its message to the leader is
/// lost, when no leader is known, when the leader has not yet committed an entry of
/// its term, or when the leader loses office.
const READ_TIMEOUT_ELECTIONS: u32 = 2;

impl Server {
    /// A client request: answered from the session if it was applied already, else a
    /// read asked of ReadIndex, else proposed (a follower's proposal is forwarded to
    /// the leader by raft-rs with node routing; otherwise the client is redirected).
    pub(super) fn handle_request(&mut self, req: Request, from: ClientAddr) {
        let events = self.ctx.raft().clone();
        let is_read = matches!(req.command, KvCommand::Get { .. });
        if is_read {
            events.read_arrived(req.id);
        }
        if let Some(result) = self.kv.result_of(req.id) {
            // A resent request this server already applied: its first result, decided
            // where it was applied in the log, is the answer.
            probe!(ResentRequestAnsweredFromSession);
            if is_read {
                events.read_dropped(req.id, self.applied);
            }
            let result = result.clone();
            self.respond(from, Response::Ok { id: req.id, result });
            return;
        }
        let (state, lead) = (self.raw.raft.state, self.raw.raft.leader_id);
        if self.ctx.knobs().reads != ReadPath::Log && lead != 0 {
            if let KvCommand::Get { key } = &req.command {
                self.ask_read(req.id, key.clone(), from);
                return;
            }
        }
        let forward = state == StateRole::Follower
            && lead != 0
            && self.ctx.knobs().client_routing == ClientRouting::Node;
        if state != StateRole::Leader && !forward {
            if is_read {
                events.read_dropped(req.id, self.applied);
            }
            let leader = lead;
            self.respond(from, Response::NotLeader { id: req.id, leader });
            return;
        }
        let proposal = Proposal {
            request: req.id,
            command: req.command,
        };
        match self.raw.propose(Vec::new(), proposal.to_bytes()) {
            Ok(()) => {
                if forward {
                    probe!(RequestForwardedByFollower);
                }
                self.pending.insert(req.id, (from, forward));
            }
            Err(_) => {
                // Not appended anywhere (no leader, a transfer, the uncommitted
                // limit): the client may safely retry.
                probe!(ProposalRefused);
                if is_read {
                    events.read_dropped(req.id, self.applied);
                }
                self.respond(
                    from,
                    Response::NotLeader {
                        id: req.id,
                        leader: lead,
                    },
                );
            }
        }
    }

    /// ReadIndex: raft-rs confirms the read (the leader's commit index, checked by a
    /// heartbeat quorum or its lease; a follower forwards the ask to its leader), and
    /// the read is served once this server has applied up to that index.
    ///
    /// Every ask gets a context of its own (the request, this server, this incarnation
    /// and a count of its asks), as etcd's and TiKV's servers give each read a unique
    /// id. raft-rs matches a leader's heartbeat acknowledgements to pending reads by
    /// context alone: a context asked again (a client resending its read to the same
    /// server) re-enters the leader's queue behind newer reads, and a delayed
    /// acknowledgement from the round of the first ask, perhaps sent before a newer
    /// leader was elected, then confirms it and every read queued before it with no
    /// quorum heard since (register seed 230 with 3 servers answered a read 15 entries
    /// stale that way).
    fn ask_read(&mut self, id: u64, key: String, client: ClientAddr) {
        self.reads.asked += 1;
        let mut ctx = id.to_le_bytes().to_vec();
        ctx.extend(self.id.to_le_bytes());
        ctx.extend(self.incarnation.to_le_bytes());
        if !self.bugs.read_context_reused {
            ctx.extend(self.reads.asked.to_le_bytes());
        }
        self.ctx.raft().read_asked(id);
        let read = PendingRead {
            client,
            id,
            key,
            asked_ns: self.ctx.now_ns(),
            confirmed_ns: None,
        };
        self.reads.pending.insert(ctx.clone(), read);
        self.raw.read_index(ctx);
    }

    /// Tells the clients of reads for which `give_up` says so to retry elsewhere.
    fn drop_reads(&mut self, give_up: impl Fn(&PendingRead) -> bool) {
        let dropped: Vec<Vec<u8>> = (self.reads.pending.iter())
            .filter(|(_, r)| give_up(r))
            .map(|(ctx, _)| ctx.clone())
            .collect();
        if dropped.is_empty() {
            return;
        }
        for ctx in dropped {
            let r = self.reads.pending.remove(&ctx).expect("listed above");
            probe!(ReadDroppedWithError);
            self.ctx.raft().read_dropped(r.id, self.applied);
            self.respond(
                r.client,
                Response::NotLeader {
                    id: r.id,
                    leader: 0,
                },
            );
        }
        let pending = &self.reads.pending;
        (self.reads.confirmed).retain(|rs| pending.contains_key(&rs.request_ctx));
    }

    /// Tells the clients of reads raft-rs has not confirmed to retry elsewhere (raft-rs
    /// forgets them when the term moves on).
    pub(super) fn drop_unconfirmed_reads(&mut self) {
        self.drop_reads(|r| r.confirmed_ns.is_none());
    }

    /// Gives up on reads raft-rs has not confirmed for `READ_TIMEOUT_ELECTIONS`, and on
    /// confirmed ones whose read index the state machine has not reached for as long.
    pub(super) fn expire_reads(&mut self) {
        if self.reads.pending.is_empty() {
            return;
        }
        let timeout = (self.ctx.election_timeout() * READ_TIMEOUT_ELECTIONS).as_nanos() as u64;
        let now = self.ctx.now_ns();
        self.drop_reads(|r| now - r.confirmed_ns.unwrap_or(r.asked_ns) > timeout);
    }

    /// raft-rs confirmed these reads: each is answered once the state machine reaches
    /// its read index.
    pub(super) fn take_read_states(&mut self, states: Vec<ReadState>) {
        let now = self.ctx.now_ns();
        for rs in states {
            let Some(r) = self.reads.pending.get_mut(&rs.request_ctx) else {
                continue;
            };
            if r.confirmed_ns.is_some() {
                continue;
            }
            r.confirmed_ns = Some(now);
            self.ctx.raft().read_confirmed(r.id, rs.index);
            if rs.index > self.applied {
                probe!(ConfirmedReadWaitedForApply);
            }
            self.reads.confirmed.push(rs);
        }
    }

    /// Answers the confirmed reads whose index the state machine has applied.
    pub(super) fn serve_confirmed_reads(&mut self) {
        let applied = self.applied;
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.reads.confirmed)
            .into_iter()
            .partition(|rs| rs.index <= applied);
        self.reads.confirmed = waiting;
        for rs in ready {
            let Some(read) = self.reads.pending.remove(&rs.request_ctx) else {
                continue;
            };
            probe!(ReadServedByReadIndex);
            self.ctx.raft().read_served(read.id, applied);
            let counters = self.ctx.stats();
            let counter = match self.ctx.knobs().reads {
                ReadPath::Lease => &counters.reads_lease,
                _ => &counters.reads_read_index,
            };
            counter.fetch_add(1, Ordering::Relaxed);
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

    /// Sends a client its answer.
    pub(super) fn respond(&self, to: ClientAddr, r: Response) {
        self.ctx.clients().reply(to, crate::wire::encode(&r));
    }
}
