//! One seed in, one `RunReport` out, reproducible bit for bit.

use crate::faults::{Faults, GRID};
use crate::observer::Violation;
use crate::report::{FailedCheck, RunReport, RunStats, Verdict};
use crate::scenario::{FaultSource, Scenario};
use crate::world::{stream, Phase, World};
use crate::{client, server};
use linsim_checker::{check_named, CheckOptions, History, Outcome};
use madsim::runtime::{Handle, Runtime};
use madsim::task::NodeId;
use madsim::time::{sleep, Duration, Instant};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tracing::info;

/// Options of one run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Capture the seed's tracing output at DEBUG (raft and simulator) into
    /// `RunReport::log`, for its trace.log. Slower: use it to replay a failing seed.
    pub capture_log: bool,
}

/// Runs `scenario` with `seed` on a fresh thread (madsim and std keep per-thread state
/// that would otherwise leak between runs), then checks the history outside the
/// simulator.
pub fn run_seed(scenario: &Scenario, seed: u64) -> RunReport {
    run_seed_with(scenario, seed, &RunOptions::default())
}

/// `run_seed` with options.
pub fn run_seed_with(scenario: &Scenario, seed: u64, opts: &RunOptions) -> RunReport {
    let world = Arc::new(World::new(scenario.clone(), seed));
    let sim_world = world.clone();
    let wall = std::time::Instant::now();
    let log = opts
        .capture_log
        .then(crate::log_capture::LogBuffer::default);
    let thread_log = log.clone();
    let outcome = std::thread::Builder::new()
        .name(format!("linsim-seed-{seed}"))
        .spawn(move || {
            let _guard = thread_log.map(|buf| buf.install());
            // Probe counters are per thread: this fresh thread counts only this run.
            let _ = crate::probes::take_all();
            let mut config = madsim::Config::default();
            config.net.send_latency = crate::transport::MADSIM_LATENCY;
            let rt = Runtime::with_seed_and_config(seed, config);
            let virtual_ms = rt.block_on(simulate(sim_world));
            (virtual_ms, crate::probes::take_all())
        })
        .expect("spawn the seed's thread")
        .join();
    let sim_wall_ms = wall.elapsed().as_millis() as u64;
    let (virtual_ms, probe_hits) = match &outcome {
        Ok((ms, hits)) => (*ms, hits.clone()),
        Err(_) => (0, Vec::new()),
    };
    if let Err(payload) = outcome {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic payload".to_string());
        world.lock(&world.observer).report(
            "no-panic",
            0,
            0,
            format!("the simulation panicked: {msg}"),
        );
    }
    let mut report = finish(&world, seed, sim_wall_ms, virtual_ms);
    report.probes = crate::probes::all()
        .iter()
        .zip(probe_hits)
        .filter(|(_, hits)| *hits > 0)
        .map(|(p, hits)| (p.name, hits))
        .collect();
    report.log = log.map(|buf| buf.contents());
    report
}

fn finish(world: &World, seed: u64, sim_wall_ms: u64, virtual_ms: u64) -> RunReport {
    let history = History::new(world.lock(&world.history).clone());
    let violations: Vec<Violation> = world.lock(&world.observer).violations().to_vec();
    let sc = &world.scenario;
    // The checker runs even when an invariant broke: the report then says whether
    // clients saw the damage.
    let check_start = std::time::Instant::now();
    let opts = CheckOptions {
        max_steps: sc.check_max_steps,
        ..CheckOptions::default()
    };
    let check = check_named(sc.workload.model(), &history, &opts)
        .expect("workloads generate ops their model accepts");
    let check_wall_ms = check_start.elapsed().as_millis() as u64;
    let mut failures: Vec<FailedCheck> = violations
        .iter()
        .map(|v| FailedCheck {
            check: v.invariant.to_string(),
            facts: v.facts.clone(),
        })
        .collect();
    if check.verdict == linsim_checker::Verdict::Illegal {
        let detail = check
            .first_illegal()
            .and_then(|p| p.counterexample.as_ref())
            .map(|cx| {
                format!(
                    "{} cannot be linearized after {} ops, in state {}",
                    cx.blocked_op,
                    cx.prefix.len(),
                    cx.state
                )
            })
            .unwrap_or_default();
        failures.push(FailedCheck {
            check: "linearizable".to_string(),
            facts: detail,
        });
    }
    let (verdict, reason) = match failures.first() {
        Some(f) if f.check == "linearizable" => (
            Verdict::Fail,
            Some(format!("not linearizable: {}", f.facts)),
        ),
        Some(f) => (Verdict::Fail, Some(format!("{}: {}", f.check, f.facts))),
        None if check.verdict == linsim_checker::Verdict::Unknown => (
            Verdict::Unknown,
            Some("the linearizability checker gave up (budget)".to_string()),
        ),
        None => (Verdict::Pass, None),
    };
    let count = |o: Outcome| history.ops.iter().filter(|op| op.outcome == o).count() as u64;
    let mut obs = world.lock(&world.observer);
    let (trace, raft) = obs.take_trace();
    let faults = world.lock(&world.faults).clone();
    let c = &world.counters;
    let heal = *world.lock(&world.heal);
    let slots = world.clients.stats();
    let stats = RunStats {
        ops_ok: count(Outcome::Ok),
        ops_fail: count(Outcome::Fail),
        ops_info: count(Outcome::Info),
        messages: c.messages.load(Ordering::Relaxed),
        dropped: c.dropped.load(Ordering::Relaxed),
        duplicated: c.duplicated.load(Ordering::Relaxed),
        applied: obs.applied_count() as u64,
        faults: faults.len() as u64,
        events: obs.events(),
        crashes: c.crashes.load(Ordering::Relaxed),
        unsynced_writes_lost: c.unsynced_writes_lost.load(Ordering::Relaxed),
        entries_lost: c.entries_lost.load(Ordering::Relaxed),
        torn_records_truncated: c.torn_records_truncated.load(Ordering::Relaxed),
        reads_log: c.reads_log.load(Ordering::Relaxed),
        reads_read_index: c.reads_read_index.load(Ordering::Relaxed),
        reads_lease: c.reads_lease.load(Ordering::Relaxed),
        snapshots_sent: c.snapshots_sent.load(Ordering::Relaxed),
        snapshots_installed: c.snapshots_installed.load(Ordering::Relaxed),
        compactions: c.compactions.load(Ordering::Relaxed),
        conf_changes_proposed: c.conf_changes_proposed.load(Ordering::Relaxed),
        conf_changes_applied: c.conf_changes_applied.load(Ordering::Relaxed),
        joint_entered: c.joint_entered.load(Ordering::Relaxed),
        joint_left: c.joint_left.load(Ordering::Relaxed),
        heal_leader_ms: heal.leader_ms,
        heal_elections: heal.elections,
        heal_catch_up_ms: heal.catch_up_ms,
        joints_open_at_end: heal.joints_open,
        virtual_ms,
        sim_wall_ms,
        check_wall_ms,
        clients: world.client_slots,
        processes_retired: slots.processes_retired,
        max_slot_idle_ms: slots.max_slot_idle_ns / 1_000_000,
    };
    RunReport {
        seed,
        scenario: sc.name(),
        verdict,
        reason,
        failures,
        violation: violations.into_iter().next(),
        check: Some(check),
        knobs: world.knobs.clone(),
        probes: Default::default(),
        stats,
        history_hash: history.hash64(),
        trace_hash: obs.trace_hash(),
        faults,
        history: History {
            model: Some(sc.workload.model().to_string()),
            ..history
        },
        trace,
        log: None,
        raft,
    }
}

fn ip(a: u8, b: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, a, b))
}

/// The simulation of one run; returns its virtual duration in milliseconds.
async fn simulate(world: Arc<World>) -> u64 {
    world.start_clock();
    let knobs = format!("knobs {}", world.knobs.describe());
    world.lock(&world.observer).trace(0, knobs);
    let handle = Handle::current();
    let sc = world.scenario.clone();
    let mut nodes: Vec<NodeId> = Vec::new();
    for id in 1..=sc.nodes {
        let w = world.clone();
        let node = handle
            .create_node()
            .name(format!("server-{id}"))
            .ip(ip(0, id as u8))
            .init(move || server::run(id, w.clone()))
            .build();
        world.lock(&world.servers).insert(id, node.id());
        nodes.push(node.id());
    }
    for c in 0..world.client_slots {
        let w = world.clone();
        let node = handle
            .create_node()
            .name(format!("client-{c}"))
            .ip(ip(1, c as u8 + 1))
            .init(move || client::run(c, w.clone()))
            .build();
        world.lock(&world.client_nodes).insert(c, node.id());
        nodes.push(node.id());
    }
    let w = world.clone();
    let nemesis = handle
        .create_node()
        .name("nemesis")
        .ip(ip(2, 1))
        .init(move || run_faults(w.clone()))
        .build();
    nodes.push(nemesis.id());

    // Workload phase.
    let end = Instant::now() + sc.duration;
    while Instant::now() < end && !world.stopped() {
        sleep((end - Instant::now()).min(Duration::from_millis(10))).await;
    }
    // Heal, then liveness: a leader soon, and every client served.
    if !world.stopped() {
        world.set_phase(Phase::Heal);
        Faults::new(world.clone()).heal_all();
        check_liveness(&world).await;
    }
    world.set_phase(Phase::Done);
    let virtual_ms = world.now_ns() / 1_000_000;
    // Kill every node so that no task outlives the run (pending tasks leak memory).
    for id in nodes {
        handle.kill(id);
    }
    info!("seed {} simulated {} ms", world.seed, virtual_ms);
    virtual_ms
}

/// The fault driver: wakes at every grid point of the workload phase, in both modes,
/// and either polls the nemesis or applies the recorded events due by then.
async fn run_faults(world: Arc<World>) {
    let faults = Faults::new(world.clone());
    let mut rng = stream(world.seed, "nemesis");
    let end_ns = world.scenario.duration.as_nanos() as u64;
    let (mut nemesis, schedule) = match &world.scenario.faults {
        FaultSource::Nemesis(n) => (Some(n.run(&faults, &mut rng)), &[][..]),
        FaultSource::Schedule(events) => (None, &events[..]),
    };
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut next_event = 0;
    let grid = GRID.as_nanos() as u64;
    let mut k = 1u64;
    loop {
        let at = k * grid;
        let now = world.now_ns();
        if at > now {
            sleep(Duration::from_nanos(at - now)).await;
        }
        k += 1;
        if faults.workload_over() || at >= end_ns {
            return;
        }
        faults.set_grid_ns(at);
        if let Some(fut) = nemesis.as_mut() {
            if fut.as_mut().poll(&mut cx).is_ready() {
                nemesis = None;
            }
        }
        // An event recorded during the slot [at, at + grid) was applied at this tick.
        while let Some(e) = schedule.get(next_event).filter(|e| e.at_ns < at + grid) {
            faults.apply(e.fault.clone());
            next_event += 1;
        }
    }
}

async fn liveness_failure(world: &World, facts: String) {
    // First each running server writes its raft status (and the leader its view of
    // every follower) into the trace, for whoever reads the report.
    let cut: Vec<String> = {
        let net = world.lock(&world.net);
        net.cut
            .cut_links()
            .map(|(a, b)| format!("{a}->{b}"))
            .chain(
                net.client_cut
                    .cut_links()
                    .map(|(c, s)| format!("client {c}<->{s}")),
            )
            .collect()
    };
    let now = world.now_ns();
    world
        .lock(&world.observer)
        .trace(now, format!("links still cut: [{}]", cut.join(", ")));
    let admins: Vec<_> = world.lock(&world.inputs).values().cloned().collect();
    for tx in admins {
        let _ = tx.unbounded_send(crate::server::Input::Admin(
            crate::server::AdminCommand::TraceStatus,
        ));
    }
    sleep(Duration::from_millis(2)).await;
    let now = world.now_ns();
    world
        .lock(&world.observer)
        .report("liveness", now, 0, facts);
}

/// The last applied index since it last started of each member of the newest
/// configuration (servers outside it are not replicated to), by id.
fn applied_indexes(world: &World) -> Vec<(u64, u64)> {
    let members = world.lock(&world.membership).members();
    let obs = world.lock(&world.observer);
    members
        .into_iter()
        .map(|id| (id, obs.last_applied().get(&id).copied().unwrap_or(0)))
        .collect()
}

/// Catch-up time allowed per entry a server lags after healing: one slow round trip
/// (20 ms) and two fsyncs (the leader's and a follower's), for the cluster that gets one
/// entry per message or per window.
pub fn catch_up_per_entry(world: &World) -> Duration {
    Duration::from_millis(20) + world.knobs.fsync_latency() * 2
}

/// The top term any live member of the newest configuration reports.
fn top_term(world: &World) -> u64 {
    let members = world.lock(&world.membership).members();
    world
        .lock(&world.roles)
        .iter()
        .filter(|(id, _)| members.contains(id))
        .map(|(_, (t, _))| *t)
        .max()
        .unwrap_or(0)
}

/// After the final heal: a leader within the bound, every client's outstanding op
/// done and one more read served, and every server caught up to the commit index
/// reached by then. Records how long each took in `world.heal`.
async fn check_liveness(world: &Arc<World>) {
    let sc = &world.scenario;
    let healed = Instant::now();
    let since_heal = || (Instant::now() - healed).as_millis() as u64;
    let term_at_heal = top_term(world);
    let bound = world.election_timeout() * sc.liveness_elections;
    while world.leader().is_none() {
        if Instant::now() >= healed + bound {
            liveness_failure(
                world,
                format!(
                    "no leader within {} ms ({} election timeouts) after healing",
                    bound.as_millis(),
                    sc.liveness_elections
                ),
            )
            .await;
            return;
        }
        sleep(Duration::from_millis(5)).await;
    }
    {
        let mut heal = world.lock(&world.heal);
        heal.leader_ms = since_heal();
        heal.elections = top_term(world).saturating_sub(term_at_heal);
    }
    // Clients finish their outstanding op, then one read each.
    // Each client may still be waiting out its current op (one client timeout at most);
    // then its final read must be served once a leader serves, after the backlog the
    // faults left ahead of it in the log: one more bound, and a slow round trip per
    // entry written but not committed yet (with one entry per message and slow fsyncs
    // an overloaded leader can hold hundreds, each committed in turn) and per client
    // (each final read is one more entry, through the log).
    let backlog = {
        let obs = world.lock(&world.observer);
        obs.last_durable_index().saturating_sub(obs.commit_index()) + world.client_slots
    };
    let deadline = healed
        + bound * 2
        + world.knobs.client_timeout()
        + catch_up_per_entry(world) * backlog as u32;
    let clients = world.client_slots;
    loop {
        let finished = world.clients.finished_count();
        if finished == clients {
            break;
        }
        if Instant::now() >= deadline {
            liveness_failure(
                world,
                format!(
                    "{} of {} clients' final reads not served {} ms after healing",
                    clients - finished,
                    clients,
                    (deadline - healed).as_millis()
                ),
            )
            .await;
            return;
        }
        sleep(Duration::from_millis(5)).await;
    }
    // Every server catches up: applies everything committed by the time clients were
    // served. A server that was down may lag by hundreds of entries, and with one
    // entry per message (max_size_per_msg=1) it gets a few per round trip: besides
    // the bound, allow one slow round trip (20 ms) per entry the slowest one lags.
    let target = world.lock(&world.observer).commit_index();
    let lag = applied_indexes(world)
        .iter()
        .map(|&(_, applied)| target.saturating_sub(applied))
        .max()
        .unwrap_or(0);
    let served = Instant::now();
    let allowance = bound + catch_up_per_entry(world) * lag as u32;
    let catch_up_deadline = served + allowance;
    loop {
        let mut lagging = applied_indexes(world);
        lagging.retain(|&(_, applied)| applied < target);
        if lagging.is_empty() {
            world.lock(&world.heal).catch_up_ms = since_heal();
            let open = crate::settle::settle(world).await;
            world.lock(&world.heal).joints_open = open;
            return;
        }
        if Instant::now() >= catch_up_deadline {
            let list: Vec<String> = lagging
                .iter()
                .map(|(id, applied)| format!("{id} at {applied}"))
                .collect();
            liveness_failure(
                world,
                format!(
                    "servers not caught up to commit index {target} within {} ms of clients being served (lag was {lag} entries): {}",
                    allowance.as_millis(),
                    list.join(", ")
                ),
            ).await;
            return;
        }
        sleep(Duration::from_millis(5)).await;
    }
}
