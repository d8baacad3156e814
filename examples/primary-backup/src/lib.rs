//! primary-backup: a user's own register service (read, write, cas) under linsim,
//! written against the framework's public boundary only (see docs/your-system.md).
//!
//! Server 1 starts as the primary. The primary applies a write, makes it durable,
//! answers the client, and only then sends its whole state to the backups, without
//! waiting for them; it also sends it every tick as a heartbeat. A backup that hears
//! nothing for an election timeout (staggered by id) makes itself primary of the next
//! view. Servers follow the highest (view, primary) they hear of. So a write that a
//! cut-off primary acknowledged can vanish: not linearizable, and linsim shows it.

use futures::channel::mpsc;
use futures::StreamExt;
use linsim_checker::{Function, Value};
use linsim_sim::disk::{DiskHandle, Durable};
use linsim_sim::net::{ClientAddr, ClientConn, Delivery};
use linsim_sim::system::{Answer, Client, ClientFuture, Reply, ServerFuture, ServerNode, System};
use linsim_sim::ClientOp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The system, registered as `primary-backup`.
pub struct PrimaryBackup;

impl System for PrimaryBackup {
    fn name(&self) -> &'static str {
        "primary-backup"
    }
    fn about(&self) -> &'static str {
        "example: a register whose primary answers before its backups have the write (docs/your-system.md)"
    }
    fn knobs(&self) -> &'static [&'static str] {
        &[] // only the framework's own (timeouts, clients, fsync latency, election_tick)
    }
    fn serve(&self, node: ServerNode) -> ServerFuture {
        Box::pin(serve(node))
    }
    fn client(&self, _slot: u64) -> Box<dyn Client> {
        Box::new(PbClient)
    }
}

/// A server's whole state: the view it follows and the data. It is also the one
/// record its disk holds, and the message servers send each other.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
struct State {
    view: u64,
    primary: u64,
    data: BTreeMap<String, Value>,
}

impl Durable for State {
    type Record = State;
    fn encode(record: &State, out: &mut Vec<u8>) {
        serde_json::to_writer(out, record).expect("a state encodes");
    }
    fn decode(payload: &[u8]) -> Option<State> {
        serde_json::from_slice(payload).ok()
    }
    fn apply(&mut self, record: State) {
        *self = record;
    }
}

/// A client's request: its id (the same on every resend) and the operation.
type Request = (u64, ClientOp);

/// The answer to request `.0`: done (with what a read saw), or who the primary is.
#[derive(Serialize, Deserialize)]
enum Response {
    Ok(u64, Value),
    NotPrimary(u64, u64),
}

enum Input {
    Tick,
    Peer(State),
    Client(Request, ClientAddr),
}

async fn serve(node: ServerNode) {
    let me = node.id();
    // Peer messages (the inbox), ticks and client requests feed one queue, so one
    // loop owns the state.
    let (tx, mut inputs) = mpsc::unbounded();
    let peers = tx.clone();
    node.set_inbox(Arc::new(move |d| match d {
        Delivery::Peer { bytes, .. } => match serde_json::from_slice(&bytes) {
            Ok(state) => peers.unbounded_send(Input::Peer(state)).is_ok(),
            Err(_) => !peers.is_closed(),
        },
        _ => !peers.is_closed(),
    }));
    let ticks = tx.clone();
    node.spawn_ticker(move || ticks.unbounded_send(Input::Tick).is_ok());
    let port = node.clients().clone();
    madsim::task::spawn(async move {
        while let Some((from, bytes)) = port.recv().await {
            let Ok(req) = serde_json::from_slice(&bytes) else {
                continue;
            };
            if tx.unbounded_send(Input::Client(req, from)).is_err() {
                return;
            }
        }
    });

    // After a crash the disk holds the last state made durable.
    let disk = node.disk::<State>();
    let mut state = disk.durable(|s| s.clone());
    state.primary = state.primary.max(1);
    let patience = node.knobs().election_tick as u64 * (1 + me);
    let mut silent = 0;
    while let Some(input) = inputs.next().await {
        match input {
            Input::Tick if state.primary == me => broadcast(&node, &state),
            Input::Tick => {
                silent += 1;
                if silent > patience {
                    (state.view, state.primary, silent) = (state.view + 1, me, 0);
                    persist(&disk, &state).await;
                    broadcast(&node, &state);
                }
            }
            Input::Peer(theirs) if (theirs.view, theirs.primary) >= (state.view, state.primary) => {
                silent = 0;
                if theirs != state {
                    state = theirs;
                    persist(&disk, &state).await;
                }
            }
            Input::Peer(_) => {} // from an older view
            Input::Client((id, _), from) if state.primary != me => {
                let r = Response::NotPrimary(id, state.primary);
                node.clients().reply(from, serde_json::to_vec(&r).unwrap());
            }
            Input::Client((id, op), from) => {
                let value = apply(&mut state.data, &op);
                if op.f != Function::Read {
                    persist(&disk, &state).await;
                }
                let r = Response::Ok(id, value);
                node.clients().reply(from, serde_json::to_vec(&r).unwrap());
                broadcast(&node, &state); // without waiting for the backups: the flaw
            }
        }
    }
}

async fn persist(disk: &DiskHandle<State>, state: &State) {
    disk.with(|d| d.write(state.clone()));
    disk.fsync().await;
}

fn broadcast(node: &ServerNode, state: &State) {
    let bytes = serde_json::to_vec(state).expect("a state encodes");
    for peer in node.servers().filter(|&p| p != node.id()) {
        node.send(peer, bytes.clone(), false);
    }
}

/// Applies a read, write or cas; returns what the client gets back.
fn apply(data: &mut BTreeMap<String, Value>, op: &ClientOp) -> Value {
    let current = data.get(&op.key).cloned().unwrap_or(Value::Nil);
    match (op.f, op.input.as_slice()) {
        (Function::Write, [v]) => {
            data.insert(op.key.clone(), v.clone());
            Value::Nil
        }
        (Function::Cas, [from, to]) => {
            if current == *from {
                data.insert(op.key.clone(), to.clone());
            }
            Value::Bool(current == *from)
        }
        _ => current,
    }
}

/// The client: one request per attempt; answers to earlier requests are skipped.
struct PbClient;

impl Client for PbClient {
    fn call<'a>(
        &'a mut self,
        conn: &'a ClientConn,
        server: u64,
        request: u64,
        op: &'a ClientOp,
    ) -> ClientFuture<'a> {
        Box::pin(async move {
            if !matches!(op.f, Function::Read | Function::Write | Function::Cas) {
                // A register has no other operations: this one never happens.
                return Some(Answer {
                    from: server,
                    reply: Reply::Fail,
                });
            }
            conn.send(server, serde_json::to_vec(&(request, op)).unwrap());
            loop {
                let (from, bytes) = conn.recv().await?;
                let reply = match serde_json::from_slice(&bytes) {
                    Ok(Response::Ok(id, value)) if id == request => Reply::Ok(value),
                    Ok(Response::NotPrimary(id, p)) if id == request => {
                        Reply::NotLeader { leader: Some(p) }
                    }
                    _ => continue, // an answer to an earlier request
                };
                return Some(Answer { from, reply });
            }
        })
    }
}
