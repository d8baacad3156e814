//! linsim-kv's client: one attempt of an operation as a `Request` to a server, and
//! the server's `Response` to it as the framework's `Reply`. Any server that speaks
//! linsim-kv's client protocol uses it (raft-rs's does).

use crate::kv::{KvCommand, KvResult, Request, Response};
use crate::probes::probe;
use crate::structures::Micro;
use crate::wire;
use linsim_checker::{Function, Value};
use linsim_sim::net::ClientConn;
use linsim_sim::system::{Answer, Client, ClientFuture, Reply};
use linsim_sim::ClientOp;

/// The client of one slot (it keeps nothing between attempts: the request id says
/// which operation an answer belongs to).
pub struct KvClient {
    /// Counts an answer to an earlier request, skipped (the system's own probe).
    stale_skipped: fn(),
}

impl KvClient {
    /// A client that calls `stale_skipped` for each answer to an earlier request it
    /// skips (a system counts it as its own code probe).
    pub fn new(stale_skipped: fn()) -> KvClient {
        KvClient { stale_skipped }
    }

    /// linsim-kv's own client.
    pub fn linsim_kv() -> KvClient {
        KvClient::new(|| probe!(StaleResponseSkipped))
    }
}

fn command(op: &ClientOp) -> KvCommand {
    let key = op.key.clone();
    match (op.f, op.input.as_slice()) {
        (Function::Read, _) => KvCommand::Get { key },
        (Function::Write, [v]) => KvCommand::Put {
            key,
            value: v.clone(),
        },
        (Function::Append, [Value::Str(s)]) => KvCommand::Append {
            key,
            value: s.clone(),
        },
        (Function::Cas, [from, to]) => KvCommand::Cas {
            key,
            from: from.clone(),
            to: to.clone(),
        },
        (Function::Add, [element]) => KvCommand::SetAdd {
            key,
            element: element.clone(),
        },
        (Function::Increment, [Value::Int(by)]) => KvCommand::Increment { key, by: *by },
        (Function::Enqueue, [element]) => KvCommand::Enqueue {
            key,
            element: element.clone(),
        },
        (Function::Dequeue, []) => KvCommand::Dequeue { key },
        (Function::Acquire, [Value::Int(owner)]) => KvCommand::Acquire { key, owner: *owner },
        (Function::Release, [Value::Int(owner)]) => KvCommand::Release { key, owner: *owner },
        (Function::Txn, [Value::List(micros)]) => KvCommand::Txn {
            micros: micros
                .iter()
                .map(|m| micro(m).unwrap_or_else(|| malformed(op)))
                .collect(),
        },
        _ => malformed(op),
    }
}

/// A transaction's micro-operation as the workload writes it: `[:append k v]` or
/// `[:r k nil]`, keys integers or strings.
fn micro(m: &Value) -> Option<Micro> {
    let Value::List(parts) = m else { return None };
    let key = match parts.get(1)? {
        Value::Int(k) => k.to_string(),
        Value::Str(k) => k.clone(),
        _ => return None,
    };
    match (parts.first()?, parts.get(2)) {
        (Value::Keyword(f), Some(Value::Int(element))) if f == "append" => Some(Micro::Append {
            key,
            element: *element,
        }),
        (Value::Keyword(f), _) if f == "r" => Some(Micro::Read { key }),
        _ => None,
    }
}

/// A workload handed linsim-kv an operation its service has no command for: a bug in
/// the workload, reported as the run's panic.
fn malformed(op: &ClientOp) -> ! {
    panic!(
        "workload generated an op linsim-kv has no command for: {} {:?} {:?} (it serves read, write, cas, append, add, increment, enqueue, dequeue, acquire [owner], release [owner], txn [[:append k v] [:r k nil] ...])",
        op.f, op.key, op.input
    )
}

impl Client for KvClient {
    fn call<'a>(
        &'a mut self,
        conn: &'a ClientConn,
        server: u64,
        request: u64,
        op: &'a ClientOp,
    ) -> ClientFuture<'a> {
        Box::pin(async move {
            let req = Request {
                id: request,
                command: command(op),
            };
            conn.send(server, wire::encode(&req));
            // Wait for an answer to this request; answers to earlier ones are skipped.
            loop {
                let (from, bytes) = conn.recv().await?;
                let reply = match wire::decode(&bytes) {
                    Response::Ok { id, result } if id == request => match result {
                        KvResult::Value(v) => Reply::Ok(v),
                        KvResult::Done => Reply::Ok(Value::Nil),
                        KvResult::Swapped(b) => Reply::Ok(Value::Bool(b)),
                        KvResult::Refused => Reply::Fail,
                    },
                    Response::NotLeader { id, leader } if id == request => Reply::NotLeader {
                        leader: (leader != 0).then_some(leader),
                    },
                    _ => {
                        (self.stale_skipped)();
                        continue;
                    }
                };
                return Some(Answer { from, reply });
            }
        })
    }
}
