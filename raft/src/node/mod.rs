//! The asynchronous node API, as etcd's `Node`: a handle to a `RawNode` running in a
//! task of its own.
//!
//! `Node::start` returns the handle and the task's future; spawn the future on any
//! executor (`madsim::task::spawn` in the simulator: it uses only `futures` channels,
//! no OS threads, timers or tokio APIs, so it runs deterministically under madsim).
//! The handle is cheap to clone; every clone talks to the same task.
//!
//! Driving it, as an etcd application does:
//! - call `tick` from a timer, and `step` with every message from a peer;
//! - take `Ready` values from the stream `ready()`: persist, send and apply as the
//!   `Ready` contract says (through a `SharedStorage` the application keeps a clone
//!   of), then call `advance`. No new Ready is handed out until then. With
//!   `Config::async_storage_writes` there is no `advance`: route the storage messages
//!   as `crate::async_storage` describes and `step` their responses back.
//! - `propose`, `campaign`, `propose_conf_change`, ... return once the node's task
//!   has stepped them, with raft's answer. A proposal made while no leader is known
//!   waits (as in etcd) until one is, the node stops, or the caller drops the future.
//!   `step` and `read_index` return once the task has the message, as etcd's `Step`
//!   (raft's answer to a peer's message is only ever to drop it): the caller goes on
//!   while the task catches up, and everything reaches raft in the order it was sent.
//! - `stop` ends the task: every waiting call returns `Error::Stopped`, the ready
//!   stream ends, and later calls return `Error::Stopped` at once. The task also ends
//!   when every handle is dropped.
//!
//! Take Readies from one stream at a time: with async storage writes their storage
//! messages must reach the threads in the order raft handed them out.
//!
//! The simulator's servers run on it with `storage=async` (`linsim_sim`'s
//! `server::driver`).

mod ready_stream;
mod run;

pub use ready_stream::ReadyStream;

use crate::config::Config;
use crate::eraftpb::Message;
use crate::errors::{Error, Result};
use crate::raw_node::RawNode;
use crate::status::Status;
use crate::storage::Storage;
use futures::channel::{mpsc, oneshot};
use run::{NodeLoop, Request};
use std::future::Future;

/// A handle to a raft node running in its own task, as etcd's `Node`.
#[derive(Clone, Debug)]
pub struct Node {
    requests: mpsc::UnboundedSender<Request>,
}

impl Node {
    /// Starts a node over `storage` (which holds its membership and log, so this both
    /// boots a new node and restarts one). Returns the handle and the node's task:
    /// spawn the task on the executor that the application runs on.
    pub fn start<S>(
        config: &Config,
        storage: S,
    ) -> Result<(Node, impl Future<Output = ()> + Send + 'static)>
    where
        S: Storage + Send + 'static,
    {
        let raw = RawNode::new(config, storage)?;
        let (tx, rx) = mpsc::unbounded();
        Ok((Node { requests: tx }, NodeLoop::new(raw, rx).run()))
    }

    /// Sends `req` without waiting for it to be handled.
    fn send(&self, req: Request) -> Result<()> {
        self.requests
            .unbounded_send(req)
            .map_err(|_| Error::Stopped)
    }

    /// Sends the request `make` builds around a reply channel and waits for the reply.
    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<Result<T>>) -> Request) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        self.send(make(tx))?;
        // A dropped reply channel means the task ended without answering.
        rx.await.unwrap_or(Err(Error::Stopped))
    }

    /// Advances the node's logical clock by one tick. Never blocks; after `stop` the
    /// tick is dropped.
    pub fn tick(&self) {
        let _ = self.send(Request::Tick);
    }

    /// Starts an election now (pre-vote first, if configured).
    pub async fn campaign(&self) -> Result<()> {
        self.call(Request::Campaign).await
    }

    /// Proposes `data` for the log. Waits while no leader is known; then returns raft's
    /// answer: `Ok` (appended here or forwarded, not yet committed) or
    /// `Err(ProposalDropped)`. Dropping the future before it is answered withdraws a
    /// proposal that is still waiting for a leader.
    pub async fn propose(&self, data: impl Into<bytes::Bytes>) -> Result<()> {
        let data = data.into();
        self.call(|reply| Request::Propose(data, reply)).await
    }

    /// Proposes a membership change (see `RawNode::propose_conf_change`): `Ok` means
    /// appended or forwarded to the leader. Unlike `propose` it does not wait for a
    /// leader: with none known raft drops it (`Err(ProposalDropped)`).
    pub async fn propose_conf_change(&self, cc: &impl crate::ConfChangeI) -> Result<()> {
        let cc = cc.as_v2();
        self.call(|reply| Request::ProposeConfChange(cc, reply))
            .await
    }

    /// Applies a committed membership change and returns the new configuration (see
    /// `RawNode::apply_conf_change`); call it for each committed conf change entry, in
    /// log order, before advancing past it.
    pub async fn apply_conf_change(
        &self,
        cc: &impl crate::ConfChangeI,
    ) -> Result<crate::ConfState> {
        let cc = cc.as_v2();
        self.call(|reply| Request::ApplyConfChange(cc, reply)).await
    }

    /// Steps a message from a peer, or a storage thread's response (async storage
    /// writes). Returns once the node's task has it (`Err(Stopped)` after `stop`), as
    /// etcd's `Step`: raft steps it before any later call.
    pub async fn step(&self, m: Message) -> Result<()> {
        self.send(Request::Step(m))
    }

    /// The stream of `Ready` values. Each `Ready` is handed to exactly one stream; in
    /// synchronous mode the next comes only after `advance`. The stream ends when the
    /// node stops.
    pub fn ready(&self) -> ReadyStream {
        ReadyStream::new(self.requests.clone())
    }

    /// Acknowledges the last `Ready` (synchronous mode): its writes are durable, its
    /// messages sent, its committed entries applied. Ignored with async storage writes.
    pub fn advance(&self) {
        let _ = self.send(Request::Advance);
    }

    /// Asks the leader `lead` to hand leadership to `transferee` (etcd's
    /// `TransferLeadership`: this node must be the leader, or forwards to it).
    pub async fn transfer_leadership(&self, lead: u64, transferee: u64) -> Result<()> {
        self.call(|reply| Request::TransferLeadership {
            lead,
            transferee,
            reply,
        })
        .await
    }

    /// Makes a follower forget its leader, so it may vote before its election timeout.
    pub async fn forget_leader(&self) -> Result<()> {
        self.call(Request::ForgetLeader).await
    }

    /// Asks for a linearizable read identified by `ctx`: its `ReadState` comes in a
    /// later `Ready` (see `RawNode::read_index`). Returns once the node's task has the
    /// request, as `step`.
    pub async fn read_index(&self, ctx: impl Into<bytes::Bytes>) -> Result<()> {
        self.send(Request::ReadIndex(ctx.into()))
    }

    /// The node's current status.
    pub async fn status(&self) -> Result<Status> {
        self.call(Request::Status).await
    }

    /// Reports that the last message to `id` could not be delivered.
    pub fn report_unreachable(&self, id: u64) {
        let _ = self.send(Request::ReportUnreachable(id));
    }

    /// Reports whether the snapshot sent to `id` was installed.
    pub fn report_snapshot(&self, id: u64, success: bool) {
        let _ = self.send(Request::ReportSnapshot(id, success));
    }

    /// Stops the node and waits until its task has ended. Calls waiting in the task
    /// return `Error::Stopped`. Stopping a stopped node returns at once.
    pub async fn stop(&self) {
        let (tx, rx) = oneshot::channel();
        if self.send(Request::Stop(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}
