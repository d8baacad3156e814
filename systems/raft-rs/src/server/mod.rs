//! A server: raft-rs's `RawNode` over the server's disk (`DiskStorage`), linsim-kv's
//! KV state machine, raft messages over the simulated network, and the client
//! protocol, on the handles the framework gives it (`ServerNode`).
//!
//! One loop owns everything: it takes in a batch of inputs (ticks, raft messages,
//! client requests, commands; up to the `ready_batch` knob), then handles the Readies
//! they made (`ready`), applying committed entries as it goes (`apply`), answering
//! clients (`requests`) and reporting what raft-rs does (`observe`). raft-rs's election
//! timeouts come from the seed, through ticks (`election`).

mod apply;
mod election;
mod observe;
mod ready;
mod requests;

use crate::bugs::Bugs;
use crate::convert;
use crate::durable::Stored;
use crate::probes::probe;
use crate::storage::DiskStorage;
use crate::wire;
use election::ElectionJitter;
use futures::channel::mpsc;
use futures::StreamExt;
use linsim_kv::kv::{KvStore, Request};
use linsim_sim::disk::DiskHandle;
use linsim_sim::net::{ClientAddr, Delivery};
use linsim_sim::system::ServerNode;
use linsim_sim::ReadPath;
use raft::eraftpb::{ConfChangeV2, Message, MessageType};
use raft::{RawNode, ReadOnlyOption, SnapshotStatus, StateRole, NO_LIMIT};
use requests::Reads;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// What a server takes in.
enum Input {
    /// One tick of its clock.
    Tick,
    /// A raft message from a peer.
    Raft(Message),
    /// A client request and where to answer.
    Client(Request, ClientAddr),
    /// A command from outside the network.
    Command(Command),
}

/// Commands a server takes from outside the network: the framework's (through the
/// membership and transfer capabilities, or for a failure report) and its peers'
/// transport-level notices.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Ask raft-rs to move leadership to this server (a follower forwards it to its
    /// leader).
    TransferLeader(u64),
    /// Propose a membership change (a follower forwards it to its leader).
    ProposeConfChange(ConfChangeV2),
    /// A peer refused this server's vote request: it is not a member of the peer's
    /// configuration (as TiKV's and etcd's servers answer a removed peer). The server
    /// stops campaigning until a leader replicates to it again.
    Removed,
    /// Whether a snapshot this server sent to `to` arrived (raft-rs's
    /// `report_snapshot`).
    ReportSnapshot {
        /// The follower it was sent to.
        to: u64,
        /// Whether it arrived.
        delivered: bool,
    },
    /// Write this server's raft status into the trace (for a failure report).
    TraceStatus,
}

struct Server {
    id: u64,
    /// The handles the framework gave this server.
    ctx: ServerNode,
    /// The named bugs it runs with.
    bugs: Bugs,
    /// Its disk (raft-rs's storage reads the same disk's durable state).
    disk: DiskHandle<Stored>,
    raw: RawNode<DiskStorage>,
    /// Its election timer's jitter (see `election`).
    jitter: ElectionJitter,
    kv: KvStore,
    /// Requests this server proposed (or forwarded), waiting to be applied: request id
    /// -> (client, whether raft forwarded it to the leader).
    pending: BTreeMap<u64, (ClientAddr, bool)>,
    /// ReadIndex reads in flight.
    reads: Reads,
    /// The last index applied to the state machine.
    applied: u64,
    /// A snapshot of its own is in the page cache, not yet durable (see
    /// `Server::process_readies`).
    snapshot_unsynced: bool,
    /// Term and role as last reported.
    role: (u64, StateRole),
    /// Ticks of its clock taken since it started.
    ticks: u64,
    /// Told by a peer that it is not a member (`Command::Removed`): its clock does not
    /// drive raft (no campaigns) until a leader's message arrives.
    removed: bool,
    /// How many times the server restarted before this run of it.
    incarnation: u64,
}

/// raft-rs's configuration from the run's knobs. The election timeout range is pinned
/// to one value (`ElectionJitter` draws the real timeouts from the seed).
fn raft_config(ctx: &ServerNode, applied: u64) -> raft::Config {
    let k = ctx.knobs();
    let lease = k.reads == ReadPath::Lease;
    let max_uncommitted_size = match k.max_uncommitted_size {
        0 => NO_LIMIT,
        n => n,
    };
    raft::Config {
        id: ctx.id(),
        election_tick: k.election_tick,
        heartbeat_tick: k.heartbeat_tick,
        min_election_tick: k.election_tick,
        max_election_tick: k.election_tick + 1,
        applied,
        // raft-rs refuses a message limit above the uncommitted limit.
        max_size_per_msg: k.max_size_per_msg.min(max_uncommitted_size),
        max_inflight_msgs: k.max_inflight_msgs,
        // raft-rs's lease reads need check-quorum (it refuses the config otherwise).
        check_quorum: k.check_quorum || lease,
        pre_vote: k.pre_vote,
        read_only_option: if lease {
            ReadOnlyOption::LeaseBased
        } else {
            ReadOnlyOption::Safe
        },
        max_uncommitted_size,
        ..raft::Config::default()
    }
}

/// Runs server `ctx.id()` until its node is killed. On (re)start it rebuilds raft-rs
/// from what its disk holds durably: the state machine from the durable snapshot, and
/// raft hands out the committed entries after it again.
pub async fn run(ctx: ServerNode) {
    let id = ctx.id();
    let incarnation = ctx.incarnation();
    let disk = ctx.disk::<Stored>();
    let storage = DiskStorage::new(disk.clone(), ctx.initial_voters());
    let (hs, snapshot) = disk.durable(|d| (d.hard_state(), d.snapshot().clone()));
    let conf = storage.conf_state();
    let snapshot_index = snapshot.get_metadata().index;
    if incarnation > 0 && hs.vote != 0 {
        probe!(RestartedWithVote);
    }
    ctx.raft()
        .started(hs.term, snapshot_index, &convert::config(&conf));
    // raft-rs logs through slog; its log is not part of a run's report.
    let logger = slog::Logger::root(slog::Discard, slog::o!());
    let config = raft_config(&ctx, snapshot_index);
    let raw = RawNode::new(&config, storage, &logger).expect("knobs give a valid config");
    let mut jitter = ElectionJitter::new(&ctx);
    jitter.observe(&raw.raft);
    let kv = if snapshot.is_empty() {
        KvStore::new(true)
    } else {
        probe!(RestartedFromSnapshot);
        KvStore::restore(&snapshot.data, true)
    };
    let (tx, mut rx) = mpsc::unbounded::<Input>();
    ctx.set_inbox(inbox(tx.clone()));
    let ticks = tx.clone();
    ctx.spawn_ticker(move || ticks.unbounded_send(Input::Tick).is_ok());
    spawn_client_receiver(&ctx, tx);
    let batch = ctx.knobs().ready_batch;
    let bugs = Bugs::of(ctx.bugs());
    let mut server = Server {
        id,
        bugs,
        ctx,
        disk,
        raw,
        jitter,
        kv,
        pending: BTreeMap::new(),
        reads: Reads::default(),
        applied: snapshot_index,
        snapshot_unsynced: false,
        role: (0, StateRole::Follower),
        ticks: 0,
        removed: false,
        incarnation,
    };
    loop {
        let Some(mut input) = rx.next().await else {
            return;
        };
        // Group commit: take in what else is already queued (up to the batch) so that
        // one Ready, and one fsync, covers all of it.
        for taken in 1..=batch {
            server.handle(input);
            if taken == batch {
                break;
            }
            match rx.try_recv() {
                Ok(next) => input = next,
                Err(_) => break,
            }
        }
        server.process_readies().await;
    }
}

/// Where the framework's deliveries go: raft messages decoded into the input queue,
/// snapshot reports and commands as commands.
fn inbox(tx: mpsc::UnboundedSender<Input>) -> linsim_sim::net::Inbox {
    Arc::new(move |d| {
        let input = match d {
            Delivery::Peer { bytes, .. } => Input::Raft(wire::decode_raft(&bytes)),
            Delivery::Reported { to, delivered } => {
                Input::Command(Command::ReportSnapshot { to, delivered })
            }
            Delivery::Control(c) => match c.downcast::<Command>() {
                Ok(cmd) => Input::Command(*cmd),
                Err(_) => return false,
            },
            Delivery::TraceStatus => Input::Command(Command::TraceStatus),
        };
        tx.unbounded_send(input).is_ok()
    })
}

/// Client requests arrive over the client port; raft messages arrive straight in the
/// input queue (`inbox`).
fn spawn_client_receiver(ctx: &ServerNode, tx: mpsc::UnboundedSender<Input>) {
    let port = ctx.clients().clone();
    madsim::task::spawn(async move {
        while let Some((from, bytes)) = port.recv().await {
            if tx
                .unbounded_send(Input::Client(wire::decode(&bytes), from))
                .is_err()
            {
                return;
            }
        }
    });
}

impl Server {
    /// Takes in one input. raft-rs may restart its election timer in any call, so the
    /// jitter looks at it after each (`ElectionJitter::observe`).
    fn handle(&mut self, input: Input) {
        match input {
            Input::Tick => self.on_tick(),
            Input::Raft(m) => self.on_raft(m),
            Input::Client(req, from) => self.handle_request(req, from),
            Input::Command(cmd) => self.on_command(cmd),
        }
        self.jitter.observe(&self.raw.raft);
    }

    /// One tick of the server's clock.
    fn on_tick(&mut self) {
        if !self.removed && self.jitter.pass_tick(&self.raw.raft) {
            self.raw.tick();
        }
        self.ticks += 1;
        self.expire_reads();
    }

    /// A raft message from a peer. A vote request from a server outside this server's
    /// configuration is dropped, and its sender told it was removed, as TiKV's and
    /// etcd's servers reject a removed peer: without pre-vote and check-quorum, a
    /// removed server that never learned it (it was down when its removal committed)
    /// would otherwise campaign at ever higher terms and depose every leader the
    /// cluster elects (Raft thesis §4.2.3).
    fn on_raft(&mut self, m: Message) {
        use MessageType::*;
        match m.get_msg_type() {
            MsgRequestVote | MsgRequestPreVote => {
                let conf = self.raw.raft.prs().conf().to_conf_state();
                if !linsim_sim::membership::members(&convert::config(&conf)).contains(&m.from) {
                    probe!(VoteFromNonMemberDropped);
                    self.ctx.notify(m.from, Box::new(Command::Removed));
                    return;
                }
            }
            MsgAppend | MsgHeartbeat | MsgSnapshot => self.removed = false,
            _ => {}
        }
        // raft-rs refuses what it cannot take (a stale term, a message for another
        // node): such a message is dropped, as a lost one.
        let _ = self.raw.step(m);
    }

    fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::TransferLeader(to) => self.raw.transfer_leader(to),
            Command::ProposeConfChange(cc) => {
                if self.raw.propose_conf_change(Vec::new(), cc).is_ok() {
                    let c = self.ctx.stats();
                    c.conf_changes_proposed.fetch_add(1, Ordering::Relaxed);
                }
            }
            Command::Removed => {
                if self.raw.raft.state != StateRole::Leader {
                    self.removed = true;
                }
            }
            Command::ReportSnapshot { to, delivered } => {
                let status = if delivered {
                    SnapshotStatus::Finish
                } else {
                    probe!(SnapshotLostOnTheWay);
                    SnapshotStatus::Failure
                };
                self.raw.report_snapshot(to, status);
            }
            Command::TraceStatus => {
                let line = self.status_line();
                self.ctx.raft().trace(line);
            }
        }
    }
}
