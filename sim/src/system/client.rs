//! A system's client: one attempt of one operation against one server.

use crate::clients::workload::ClientOp;
use crate::net::ClientConn;
use linsim_checker::Value;
use std::future::Future;
use std::pin::Pin;

/// A server's answer to one attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// Done, with this output (`Nil` for a write; `Bool` for a cas: a cas that did
    /// not swap happened too).
    Ok(Value),
    /// Definitely not done (recorded `:fail`).
    Fail,
    /// Refused and not done: this server does not serve it. `leader` names the server
    /// it believes serves it, if any; linsim retries there, or at the next server.
    NotLeader {
        /// The server it points to.
        leader: Option<u64>,
    },
}

/// An answer to an attempt, and the server that gave it: usually the one asked, but
/// an earlier attempt's server may answer late, and its answer counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The server that answered.
    pub from: u64,
    /// What it said.
    pub reply: Reply,
}

/// What `Client::call` returns: the answer, or `None` when `ClientConn::recv` gave
/// up (the attempt's time is over, or the network is gone).
pub type ClientFuture<'a> = Pin<Box<dyn Future<Output = Option<Answer>> + 'a>>;

/// A client slot's client: sends one attempt of an operation to a server and waits
/// for its answer. linsim keeps the rest of the client: it bounds every attempt and
/// every operation by the client timeout (an operation unanswered by then is
/// recorded unknown, `:info`, and its process retires, as Jepsen's do), resends an
/// attempt met with silence to the next server, follows `NotLeader` hints, picks the
/// server by the `client_routing` knob, and records the history.
pub trait Client {
    /// Sends attempt `op` to `server` and waits for an answer to it. `request`
    /// identifies the operation across its attempts (a resend carries the same id, so
    /// a server can apply it at most once): an answer to the same request from an
    /// earlier attempt's server counts, while answers to earlier requests that arrive
    /// meanwhile must be skipped. Wait only through `conn.recv()`: it ends at the
    /// attempt's deadline, which is how linsim bounds the attempt.
    fn call<'a>(
        &'a mut self,
        conn: &'a ClientConn,
        server: u64,
        request: u64,
        op: &'a ClientOp,
    ) -> ClientFuture<'a>;
}
