//! The node's task: one loop that owns the `RawNode` and serves the handle's requests,
//! as etcd's `node.run`.

use crate::eraftpb::{Message, MessageType};
use crate::errors::{Error, Result};
use crate::raft::NONE;
use crate::raw_node::{RawNode, Ready};
use crate::status::Status;
use crate::storage::Storage;
use futures::channel::{mpsc, oneshot};
use futures::StreamExt;
use std::collections::VecDeque;
use tracing::debug;

/// What a `Node` handle asks of its task.
#[derive(Debug)]
pub(super) enum Request {
    Tick,
    Campaign(oneshot::Sender<Result<()>>),
    Propose(bytes::Bytes, oneshot::Sender<Result<()>>),
    Step(Message),
    TransferLeadership {
        lead: u64,
        transferee: u64,
        reply: oneshot::Sender<Result<()>>,
    },
    ForgetLeader(oneshot::Sender<Result<()>>),
    ReadIndex(bytes::Bytes),
    ProposeConfChange(crate::ConfChangeV2, oneshot::Sender<Result<()>>),
    ApplyConfChange(
        crate::ConfChangeV2,
        oneshot::Sender<Result<crate::ConfState>>,
    ),
    Status(oneshot::Sender<Result<Status>>),
    ReportUnreachable(u64),
    ReportSnapshot(u64, bool),
    /// A `ReadyStream` waits for the next Ready.
    Ready(oneshot::Sender<Ready>),
    /// A `ReadyStream` was dropped holding a Ready it never took.
    ReturnReady(Ready),
    Advance,
    Stop(oneshot::Sender<()>),
}

/// The state of the node's task.
pub(super) struct NodeLoop<S: Storage> {
    raw: RawNode<S>,
    requests: mpsc::UnboundedReceiver<Request>,
    /// Proposals made while no leader was known, in arrival order (etcd blocks them).
    proposals: VecDeque<(bytes::Bytes, oneshot::Sender<Result<()>>)>,
    /// Ready streams waiting for a Ready, in arrival order.
    ready_waiters: VecDeque<oneshot::Sender<Ready>>,
    /// Readies taken from raft whose stream went away before taking them: they go to
    /// the next waiters first, in order, since raft already counts them as handed out.
    undelivered: VecDeque<Ready>,
    /// Synchronous mode: a Ready was handed out and not yet advanced.
    awaiting_advance: bool,
}

impl<S: Storage> NodeLoop<S> {
    pub(super) fn new(raw: RawNode<S>, requests: mpsc::UnboundedReceiver<Request>) -> Self {
        NodeLoop {
            raw,
            requests,
            proposals: VecDeque::new(),
            ready_waiters: VecDeque::new(),
            undelivered: VecDeque::new(),
            awaiting_advance: false,
        }
    }

    /// Serves requests until `stop`, or until every handle is gone.
    pub(super) async fn run(mut self) {
        while let Some(req) = self.requests.next().await {
            if let Request::Stop(done) = req {
                self.shut_down();
                let _ = done.send(());
                return;
            }
            self.handle(req);
            self.release_proposals();
            self.hand_out_ready();
        }
        self.shut_down();
    }

    fn handle(&mut self, req: Request) {
        let raw = &mut self.raw;
        match req {
            Request::Tick => raw.tick(),
            Request::Campaign(reply) => {
                let _ = reply.send(raw.campaign());
            }
            Request::Propose(data, reply) => self.proposals.push_back((data, reply)),
            Request::Step(m) => {
                if let Err(e) = raw.step(m) {
                    debug!("{} dropped a message: {e}", raw.raft.id);
                }
            }
            Request::TransferLeadership {
                lead,
                transferee,
                reply,
            } => {
                let m = Message {
                    msg_type: MessageType::MsgTransferLeader,
                    from: transferee,
                    to: lead,
                    ..Message::default()
                };
                let _ = reply.send(raw.raft.step(m));
            }
            Request::ForgetLeader(reply) => {
                let _ = reply.send(raw.forget_leader());
            }
            Request::ProposeConfChange(cc, reply) => {
                let _ = reply.send(raw.propose_conf_change(&cc));
            }
            Request::ApplyConfChange(cc, reply) => {
                let _ = reply.send(raw.apply_conf_change(&cc));
            }
            Request::ReadIndex(ctx) => raw.read_index(ctx),
            Request::Status(reply) => {
                let _ = reply.send(Ok(raw.status()));
            }
            Request::ReportUnreachable(id) => raw.report_unreachable(id),
            Request::ReportSnapshot(id, ok) => raw.report_snapshot(id, ok),
            Request::Ready(waiter) => self.ready_waiters.push_back(waiter),
            Request::ReturnReady(rd) => self.undelivered.push_back(rd),
            Request::Advance => {
                if std::mem::take(&mut self.awaiting_advance) {
                    raw.advance();
                }
            }
            Request::Stop(_) => unreachable!("handled by run"),
        }
    }

    /// Steps the waiting proposals once a leader is known; withdrawn ones (whose caller
    /// dropped the future) are discarded unproposed.
    fn release_proposals(&mut self) {
        if self.raw.raft.lead == NONE {
            return;
        }
        while let Some((data, reply)) = self.proposals.pop_front() {
            if reply.is_canceled() {
                debug!(
                    "{} proposal withdrawn before a leader was known",
                    self.raw.raft.id
                );
                continue;
            }
            let _ = reply.send(self.raw.propose(data));
        }
    }

    /// Hands the next Ready to the first waiting stream, if raft has one and (in
    /// synchronous mode) the previous one was advanced.
    fn hand_out_ready(&mut self) {
        while let Some(waiter) = self.ready_waiters.pop_front() {
            if waiter.is_canceled() {
                continue;
            }
            let rd = match self.undelivered.pop_front() {
                Some(rd) => rd,
                None if self.awaiting_advance || !self.raw.has_ready() => {
                    self.ready_waiters.push_front(waiter);
                    return;
                }
                None => {
                    self.awaiting_advance = !self.raw.raft.async_storage_writes();
                    self.raw.ready()
                }
            };
            if let Err(rd) = waiter.send(rd) {
                self.undelivered.push_front(rd);
            }
        }
    }

    /// Answers everything still waiting with `Stopped` and refuses later requests.
    fn shut_down(&mut self) {
        self.requests.close();
        for (_, reply) in self.proposals.drain(..) {
            let _ = reply.send(Err(Error::Stopped));
        }
        // Dropping the waiters ends their streams; requests queued behind the stop are
        // dropped with their reply channels, which their callers read as `Stopped`.
        self.ready_waiters.clear();
        while self.requests.try_recv().is_ok() {}
        debug!("{} node stopped", self.raw.raft.id);
    }
}
