//! One seed in, one `RunReport` out, reproducible bit for bit.

use super::report::{FailedCheck, RunReport, RunStats, Verdict};
use super::scenario::{FaultSource, Scenario};
use super::world::{Phase, World};
use crate::checks::liveness::check_liveness;
use crate::checks::observer::Violation;
use crate::clients::process as client;
use crate::faults::{Faults, GRID};
use crate::net::{Host, Net};
use crate::streams::stream;
use linsim_checker::{check_named, CheckOptions, History, Outcome};
use madsim::runtime::{Handle, Runtime};
use madsim::task::NodeId;
use madsim::time::{sleep, Duration, Instant};
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
        .then(super::log_capture::LogBuffer::default);
    let thread_log = log.clone();
    let system = scenario.system.clone();
    let outcome = std::thread::Builder::new()
        .name(format!("linsim-seed-{seed}"))
        .spawn(move || {
            let _guard = thread_log.map(|buf| buf.install());
            // Probe counters are per thread: this fresh thread counts only this run.
            let _ = crate::probes::take_all(&system.probes());
            let mut config = madsim::Config::default();
            config.net.send_latency = crate::net::MADSIM_LATENCY;
            let rt = Runtime::with_seed_and_config(seed, config);
            let virtual_ms = rt.block_on(simulate(sim_world));
            (virtual_ms, crate::probes::take_all(&system.probes()))
        })
        .expect("spawn the seed's thread")
        .join();
    let sim_wall_ms = wall.elapsed().as_millis() as u64;
    let (virtual_ms, probe_hits) = match &outcome {
        Ok((ms, hits)) => (*ms, hits.clone()),
        // The runtime is gone with the panic: the time reached is the latest read.
        Err(_) => (world.clock.latest_ns() / 1_000_000, Vec::new()),
    };
    if let Err(payload) = outcome {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic payload".to_string());
        world
            .checks
            .observer()
            .report("no-panic", 0, 0, format!("the simulation panicked: {msg}"));
    }
    let mut report = finish(&world, seed, sim_wall_ms, virtual_ms);
    report.probes = crate::probes::all(&scenario.system.probes())
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
    let violations: Vec<Violation> = world.checks.observer().violations().to_vec();
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
    let mut obs = world.checks.observer();
    let (trace, raft) = obs.take_trace();
    let faults = world.lock(&world.nodes.faults).clone();
    let c = &world.counters;
    let n = &world.net.stats;
    let heal = *world.lock(&world.heal);
    let slots = world.clients.stats();
    let stats = RunStats {
        ops_ok: count(Outcome::Ok),
        ops_fail: count(Outcome::Fail),
        ops_info: count(Outcome::Info),
        messages: n.messages.load(Ordering::Relaxed),
        dropped: n.dropped.load(Ordering::Relaxed),
        duplicated: n.duplicated.load(Ordering::Relaxed),
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

/// The simulation of one run; returns its virtual duration in milliseconds.
async fn simulate(world: Arc<World>) -> u64 {
    world.start_clock();
    let knobs = format!(
        "knobs {}",
        world.knobs.describe_for(world.scenario.system.knobs())
    );
    world.checks.observer().trace(0, knobs);
    let handle = Handle::current();
    let sc = world.scenario.clone();
    let mut nodes: Vec<NodeId> = Vec::new();
    for id in 1..=sc.nodes {
        let w = world.clone();
        let node = handle
            .create_node()
            .name(format!("server-{id}"))
            .ip(Net::ip(0, id as u8))
            .init(move || super::servers::serve(id, w.clone()))
            .build();
        world.net.add_host(Host::Server(id), node.id());
        nodes.push(node.id());
    }
    for c in 0..world.client_slots {
        let w = world.clone();
        let node = handle
            .create_node()
            .name(format!("client-{c}"))
            .ip(Net::ip(1, c as u8 + 1))
            .init(move || client::run(c, w.clone()))
            .build();
        world.net.add_host(Host::Client(c), node.id());
        nodes.push(node.id());
    }
    let w = world.clone();
    let nemesis = handle
        .create_node()
        .name("nemesis")
        .ip(Net::ip(2, 1))
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
