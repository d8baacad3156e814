//! A client slot, as Jepsen runs one: a process performs one operation at a time
//! against the server it believes leads (or the one it is bound to), follows
//! redirects, and records everything in the history. An operation that gets no answer
//! within the client timeout is recorded `:info` (it may still take effect, or never)
//! and its process retires; a fresh process (a new process id) takes the slot and
//! carries on at once, so faults never silence the load.

use super::load::{ClientLoad, Slot};
use super::workload::ClientOp;
use crate::engine::world::{Phase, World};
use crate::knobs::ClientRouting;
use crate::net::ClientConn;
use crate::probes::probe;
use crate::streams::stream;
use crate::system::{Answer, Client, Reply};
use linsim_checker::{Outcome, Value};
use madsim::time::{sleep, Duration, Instant};
use rand::Rng;
use std::sync::Arc;

/// How an operation ended, from the client's side.
enum Completion {
    /// Answered by `server`: done with `output`, or definitely not done (`failed`).
    Answered {
        output: Value,
        failed: bool,
        server: u64,
    },
    /// No answer within the client timeout: unknown.
    TimedOut,
}

/// A client slot's connection and its system's client.
struct Conn {
    net: ClientConn,
    client: Box<dyn Client>,
}

/// Client slot `index`: runs the workload until the workload phase ends, then finishes
/// its outstanding operation and performs one final read, which must succeed (liveness).
pub async fn run(index: u64, world: Arc<World>) {
    let mut conn = Conn {
        net: ClientConn::bind(index, world.net.clone()).await,
        client: world.scenario.system.client(index),
    };
    let mut rng = stream(world.seed, &format!("client-{index}"));
    let nodes = world.scenario.nodes;
    let mut slot = Slot::new(index, world.now_ns());
    let home = 1 + index % nodes;
    let mut target = home;
    let mut issued = 0u64;
    let mut generator = world.scenario.workload.generator(slot.process);
    while world.phase() == Phase::Workload && !world.stopped() {
        if world
            .scenario
            .client_ops
            .is_some_and(|limit| issued >= limit)
        {
            // Done with its share: wait for the workload phase to end.
            sleep(Duration::from_millis(10)).await;
            continue;
        }
        issued += 1;
        let mix = world.load.mix(index, world.client_slots, world.now_ns());
        let op = match &mut generator {
            Some(g) => g.next_op(&mut rng, mix),
            None => world.scenario.workload.next_op(&mut rng, mix),
        };
        if world.knobs.client_routing == ClientRouting::Node {
            // Bound to its home server while that is a member.
            target = member_or_next(&world, home);
        }
        let timing = Timing::of(&world);
        let (outcome, output) =
            perform(&world, &mut conn, &mut target, slot.process, &op, timing).await;
        let answered = outcome != Outcome::Info;
        let now = world.now_ns();
        world.clients.completed(&mut slot, now, answered);
        if let Some(g) = &mut generator {
            g.completed(&op, outcome, &output);
        }
        if !answered {
            // Unknown outcome: this process retires, as Jepsen's does, and a fresh one
            // (with a fresh generator) takes the slot at once.
            slot.process = world.new_process();
            generator = world.scenario.workload.generator(slot.process);
            continue;
        }
        let think = ClientLoad::think_time(world.scenario.max_think_time, world.client_slots)
            .as_nanos() as u64;
        if think > 0 {
            sleep(Duration::from_nanos(rng.random_range(0..=think))).await;
        }
    }
    // Final read after healing: the cluster must serve it.
    if world.stopped() {
        return;
    }
    let read = world.scenario.workload.final_op(
        &mut rng,
        world.load.mix(index, world.client_slots, world.now_ns()),
    );
    // One read, waited for until served: the supervisor decides when it has waited too
    // long (the liveness bounds) and ends the run. It is resent (the same request) a
    // third of the liveness bound apart, not of the client timeout: a cluster still
    // draining a backlog the faults left (one entry per round trip, with the smallest
    // message and window knobs) would otherwise see each resend queue behind the
    // backlog faster than it drains, forever. Should the run outlast it, a new process
    // reads again.
    let patience = Timing {
        op: world.liveness_bound() * 20,
        attempt: world
            .knobs
            .client_timeout()
            .max(world.liveness_bound() / ATTEMPTS),
    };
    loop {
        let (outcome, _) = perform(
            &world,
            &mut conn,
            &mut target,
            slot.process,
            &read,
            patience,
        )
        .await;
        if outcome != Outcome::Info {
            world.clients.finished(index, true);
            return;
        }
        if world.stopped() || world.phase() == Phase::Done {
            return;
        }
        slot.process = world.new_process();
    }
}

/// How long an op waits for an answer, in all and before each resend.
#[derive(Clone, Copy, Debug)]
struct Timing {
    /// The op's outcome is unknown after this long.
    op: Duration,
    /// An attempt met with silence this long is resent to the next server.
    attempt: Duration,
}

impl Timing {
    /// A workload op's: the client timeout, resent `ATTEMPTS` times within it.
    fn of(world: &World) -> Timing {
        let op = world.knobs.client_timeout();
        Timing {
            op,
            attempt: op / ATTEMPTS,
        }
    }
}

/// Performs one op and records it; returns how it ended (`Info`: its outcome is still
/// unknown after `timing.op`) and its output.
async fn perform(
    world: &Arc<World>,
    conn: &mut Conn,
    target: &mut u64,
    process: u64,
    op: &ClientOp,
    timing: Timing,
) -> (Outcome, Value) {
    let i = world.invoke(process, op);
    match execute(world, conn, target, op, timing).await {
        Completion::Answered {
            output,
            failed,
            server,
        } => {
            // A cas that did not swap happened too: it is Ok with output false.
            let outcome = if failed { Outcome::Fail } else { Outcome::Ok };
            world.complete(i, outcome, output.clone(), Some(server));
            (outcome, output)
        }
        Completion::TimedOut => {
            probe!(ClientTimedOut);
            world.complete(i, Outcome::Info, Value::Nil, None);
            (Outcome::Info, Value::Nil)
        }
    }
}

/// `target` if it is a member of the newest configuration, else the next member after
/// it (a client bound to a server that was removed moves on, as one refreshing its
/// member list does).
fn member_or_next(world: &World, target: u64) -> u64 {
    let members = world.checks.members();
    if members.contains(&target) {
        return target;
    }
    probe!(ClientLeftRemovedServer);
    members
        .range(target + 1..)
        .next()
        .or_else(|| members.iter().next())
        .copied()
        .unwrap_or(target)
}

/// Resends one op gets within its timeout: after a third of it passes in silence, the
/// same request goes to the next server (a client that cannot tell a slow leader from
/// a dead one tries elsewhere before it gives up).
pub const ATTEMPTS: u32 = 3;

/// Runs one op as a Raft client should (Raft dissertation §6.3): one request id for
/// the op, resent to another server when an attempt meets silence or a refusal, so a
/// server that remembers the result of every request id it applied applies it at
/// most once however often it reaches the log. A refusal (`NotLeader`: not done) is
/// retried at once where it points, or at the next server. Whatever happens, the op
/// ends within `timing.op` (the client timeout, in the workload phase): unanswered by
/// then, its outcome is unknown and its process retires (as Jepsen's do), so no slot
/// waits longer.
async fn execute(
    world: &Arc<World>,
    conn: &mut Conn,
    target: &mut u64,
    op: &ClientOp,
    timing: Timing,
) -> Completion {
    let deadline = Instant::now() + timing.op;
    let nodes = world.scenario.nodes;
    let routing = world.knobs.client_routing;
    let request = world.new_request();
    let next_server = |target: u64| match routing {
        ClientRouting::Leader => member_or_next(world, target % nodes + 1),
        ClientRouting::Node => member_or_next(world, target),
    };
    let attempt = timing.attempt;
    loop {
        let now = Instant::now();
        if now >= deadline {
            // No answer: the request may or may not have been applied. The next op
            // of this slot tries another server (a leader-following client).
            *target = next_server(*target);
            return Completion::TimedOut;
        }
        // One attempt: the system's client sends it and waits for this server's
        // answer to this request, until the attempt's time is up.
        let attempt_end = (now + attempt).min(deadline);
        conn.net.set_deadline(attempt_end);
        let (server, answer) = match conn.client.call(&conn.net, *target, request, op).await {
            Some(Answer { from, reply }) => (from, Some(reply)),
            None => (*target, None),
        };
        match answer {
            Some(Reply::Ok(output)) => {
                return Completion::Answered {
                    output,
                    failed: false,
                    server,
                }
            }
            Some(Reply::Fail) => {
                return Completion::Answered {
                    output: Value::Nil,
                    failed: true,
                    server,
                }
            }
            Some(Reply::NotLeader { leader }) => {
                // Not done there: retry where it points, or elsewhere. A hint naming a
                // server no longer a member is stale (a removed server remembers the
                // leader it last knew).
                let leader = leader.unwrap_or(0);
                let member = world.checks.members().contains(&leader);
                *target = if leader != 0 && leader != *target && member {
                    probe!(ClientRedirected);
                    leader
                } else {
                    sleep(Duration::from_millis(5)).await;
                    next_server(*target)
                };
            }
            None if Instant::now() < deadline => {
                // Silence: the request may or may not have been applied. Resend the
                // same id (applied at most once) to the next server.
                probe!(ClientResentRequest);
                *target = next_server(*target);
            }
            None => {}
        }
    }
}
