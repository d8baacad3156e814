//! primary-backup: a user's own register service under linsim, written against the
//! framework's public boundary only (see docs/your-system.md).
//!
//! Server 1 starts as the primary. The primary applies each client write, makes it
//! durable, answers the client and only then sends its whole state to the backups,
//! without waiting for them. It also sends its state every tick as a heartbeat. A
//! backup that hears nothing from the primary for an election timeout (staggered by
//! its id) makes itself primary of the next view. Servers follow the highest (view,
//! primary) they hear of.
//!
//! It is not linearizable: a write acknowledged by a primary that is then cut off or
//! crashes may never reach a backup, and a primary on the minority side of a partition
//! keeps answering reads and writes. linsim finds it (`linsim hunt --system
//! primary-backup --workload register --nemesis all`).

use futures::channel::mpsc;
use futures::StreamExt;
use linsim_checker::{Function, Value};
use linsim_sim::disk::Durable;
use linsim_sim::net::{ClientAddr, ClientConn, Delivery};
use linsim_sim::system::{Answer, Client, ClientFuture, Reply, ServerFuture, ServerNode, System};
use linsim_sim::ClientOp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The system, as registered under the name `primary-backup`.
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
#[derive(Clone, Default, Serialize, Deserialize)]
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

#[derive(Serialize, Deserialize)]
struct Request {
    id: u64,
    f: Function,
    key: String,
    input: Vec<Value>,
}

#[derive(Serialize, Deserialize)]
enum Response {
    Ok { id: u64, value: Value },
    NotPrimary { id: u64, primary: u64 },
}

enum Input {
    Tick,
    Peer(State),
    Client(Request, ClientAddr),
}

async fn serve(node: ServerNode) {
    let me = node.id();
    let (tx, mut inputs) = mpsc::unbounded();
    // Peer messages arrive through the inbox; the ticker and the client port feed the
    // same queue, so one loop owns the state.
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
            let Ok(req) = serde_json::from_slice(&bytes) else { continue };
            if tx.unbounded_send(Input::Client(req, from)).is_err() {
                return;
            }
        }
    });

    // After a crash the disk holds the last state made durable.
    let disk = node.disk::<State>();
    let mut state = disk.durable(|s| s.clone());
    if state.primary == 0 {
        state.primary = 1;
    }
    let patience = node.knobs().election_tick as u64 * (1 + me);
    let mut silent = 0;
    while let Some(input) = inputs.next().await {
        match input {
            Input::Tick if state.primary == me => broadcast(&node, &state),
            Input::Tick => {
                silent += 1;
                if silent > patience {
                    state.view += 1;
                    state.primary = me;
                    silent = 0;
                    persist(&disk, &state).await;
                    broadcast(&node, &state);
                }
            }
            Input::Peer(theirs) => {
                if (theirs.view, theirs.primary) >= (state.view, state.primary) {
                    let changed = theirs.data != state.data || theirs.view != state.view;
                    state = theirs;
                    silent = 0;
                    if changed {
                        persist(&disk, &state).await;
                    }
                }
            }
            Input::Client(req, from) if state.primary != me => {
                let r = Response::NotPrimary {
                    id: req.id,
                    primary: state.primary,
                };
                node.clients().reply(from, serde_json::to_vec(&r).unwrap());
            }
            Input::Client(req, from) => {
                let value = apply(&mut state.data, &req);
                if req.f != Function::Read {
                    persist(&disk, &state).await;
                }
                let r = Response::Ok { id: req.id, value };
                node.clients().reply(from, serde_json::to_vec(&r).unwrap());
                broadcast(&node, &state); // no waiting for the backups: the flaw
            }
        }
    }
}

async fn persist(disk: &linsim_sim::disk::DiskHandle<State>, state: &State) {
    disk.with(|d| d.write(state.clone()));
    disk.fsync().await;
}

fn broadcast(node: &ServerNode, state: &State) {
    let bytes = serde_json::to_vec(state).expect("a state encodes");
    for peer in node.servers().filter(|&p| p != node.id()) {
        node.send(peer, bytes.clone(), false);
    }
}

/// Applies one operation; returns what the client gets back.
fn apply(data: &mut BTreeMap<String, Value>, req: &Request) -> Value {
    let current = data.get(&req.key).cloned().unwrap_or(Value::Nil);
    match (req.f, req.input.as_slice()) {
        (Function::Write, [v]) => {
            data.insert(req.key.clone(), v.clone());
            Value::Nil
        }
        (Function::Cas, [from, to]) => {
            let swapped = current == *from;
            if swapped {
                data.insert(req.key.clone(), to.clone());
            }
            Value::Bool(swapped)
        }
        (Function::Append, [Value::Str(s)]) => {
            let old = match current {
                Value::Str(old) => old,
                _ => String::new(),
            };
            data.insert(req.key.clone(), Value::Str(old + s));
            Value::Nil
        }
        _ => current, // a read
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
            let req = Request {
                id: request,
                f: op.f,
                key: op.key.clone(),
                input: op.input.clone(),
            };
            conn.send(server, serde_json::to_vec(&req).expect("a request encodes"));
            loop {
                let (from, bytes) = conn.recv().await?;
                let reply = match serde_json::from_slice(&bytes) {
                    Ok(Response::Ok { id, value }) if id == request => Reply::Ok(value),
                    Ok(Response::NotPrimary { id, primary }) if id == request => {
                        Reply::NotLeader {
                            leader: Some(primary),
                        }
                    }
                    _ => continue,
                };
                return Some(Answer { from, reply });
            }
        })
    }
}
