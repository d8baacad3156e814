//! A client node: issues operations to the node it believes leads, follows redirects,
//! gives up after a timeout, and records everything in the history.

use crate::kv::{KvCommand, KvResult, Request, Response};
use crate::transport::{self, TAG_CLIENT, TAG_RESPONSE};
use crate::workload::ClientOp;
use crate::world::{stream, Phase, World};
use linsim_checker::{Function, Outcome, Value};
use madsim::net::Endpoint;
use madsim::time::{sleep, timeout, Duration, Instant};
use rand::Rng;
use std::sync::Arc;

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
        _ => panic!("workload generated a malformed op: {op:?}"),
    }
}

/// How an operation ended, from the client's side.
enum Completion {
    Ok(Value),
    TimedOut,
}

/// Client `index`: runs the workload until the workload phase ends, then finishes its
/// outstanding operation and performs one final read, which must succeed (liveness).
pub async fn run(index: u64, world: Arc<World>) {
    let ep = Arc::new(
        Endpoint::bind(world.client_addr(index))
            .await
            .expect("client address is free"),
    );
    let mut rng = stream(world.seed, &format!("client-{index}"));
    let nodes = world.scenario.nodes;
    let mut process = index;
    let mut target = 1 + index % nodes;
    while world.phase() == Phase::Workload && !world.stopped() {
        let op = world.scenario.workload.next_op(&mut rng);
        if world.scenario.home_node_clients {
            target = 1 + index % nodes;
        }
        if !perform(&world, &ep, &mut target, process, &op).await {
            // Unknown outcome: this process is retired, as Jepsen does.
            process = world.new_process();
        }
        let think = world.scenario.max_think_time.as_nanos() as u64;
        if think > 0 {
            sleep(Duration::from_nanos(rng.random_range(0..=think))).await;
        }
    }
    // Final read after healing: the cluster must serve it.
    if world.stopped() {
        return;
    }
    let key = world.scenario.workload.next_op(&mut rng).key;
    let read = ClientOp {
        f: Function::Read,
        key,
        input: vec![],
    };
    let served = perform(&world, &ep, &mut target, process, &read).await;
    world.client_finished(index, served);
}

/// Performs one op and records it; returns false if its outcome is unknown.
async fn perform(
    world: &Arc<World>,
    ep: &Arc<Endpoint>,
    target: &mut u64,
    process: u64,
    op: &ClientOp,
) -> bool {
    let i = world.invoke(process, op);
    let outcome = execute(world, ep, target, op).await;
    if matches!(outcome, Completion::TimedOut) {
        // The node we believed led did not answer: try the next one next time.
        *target = *target % world.scenario.nodes + 1;
    }
    match outcome {
        Completion::Ok(output) => {
            // A cas that did not swap happened too: it is Ok with output false.
            world.complete(i, Outcome::Ok, output);
            true
        }
        Completion::TimedOut => {
            world.complete(i, Outcome::Info, Value::Nil);
            false
        }
    }
}

async fn execute(
    world: &Arc<World>,
    ep: &Arc<Endpoint>,
    target: &mut u64,
    op: &ClientOp,
) -> Completion {
    let deadline = Instant::now() + world.scenario.client_timeout;
    let nodes = world.scenario.nodes;
    let cmd = command(op);
    loop {
        let id = world.new_request();
        let req = Request {
            id,
            command: cmd.clone(),
        };
        transport::send(
            ep,
            world,
            world.server_addr(*target),
            TAG_CLIENT,
            &req,
            false,
        );
        // Wait for this request's answer; stale answers to earlier requests are skipped.
        let answer = loop {
            let now = Instant::now();
            if now >= deadline {
                return Completion::TimedOut;
            }
            match timeout(deadline - now, ep.recv_from_raw(TAG_RESPONSE)).await {
                Err(_) => return Completion::TimedOut,
                Ok(Err(_)) => return Completion::TimedOut,
                Ok(Ok((payload, _))) => {
                    let r: Response = transport::decode(payload);
                    match &r {
                        Response::Ok { id: rid, .. } | Response::NotLeader { id: rid, .. }
                            if *rid == id =>
                        {
                            break r
                        }
                        _ => continue,
                    }
                }
            }
        };
        match answer {
            Response::Ok { result, .. } => {
                return Completion::Ok(match result {
                    KvResult::Value(v) => v,
                    KvResult::Done => Value::Nil,
                    KvResult::Swapped(b) => Value::Bool(b),
                })
            }
            Response::NotLeader { leader, .. } => {
                // Not proposed: safe to retry elsewhere.
                *target = if leader != 0 && leader != *target {
                    leader
                } else {
                    sleep(Duration::from_millis(5)).await;
                    *target % nodes + 1
                };
            }
        }
    }
}
