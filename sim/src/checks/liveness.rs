//! Liveness after the final heal: a leader soon (for a Raft system), every client's
//! outstanding operation done and one more read served, and every server caught up to
//! the commit index reached by then; then the progress checks (`settle`).

use crate::engine::world::World;
use madsim::time::{sleep, Duration, Instant};
use std::sync::Arc;

async fn liveness_failure(world: &World, facts: String) {
    // First each running server writes its raft status (and the leader its view of
    // every follower) into the trace, for whoever reads the report.
    let cut: Vec<String> = {
        let net = world.net.lock();
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
        .checks
        .observer()
        .trace(now, format!("links still cut: [{}]", cut.join(", ")));
    world.net.trace_status_all();
    sleep(Duration::from_millis(2)).await;
    let now = world.now_ns();
    world.checks.observer().report("liveness", now, 0, facts);
}

/// The last applied index since it last started of each member of the newest
/// configuration (servers outside it are not replicated to), by id.
fn applied_indexes(world: &World) -> Vec<(u64, u64)> {
    let members = world.checks.members();
    let obs = world.checks.observer();
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

/// After the final heal: a leader within the bound, every client's outstanding op
/// done and one more read served, and every server caught up to the commit index
/// reached by then. Records how long each took in `world.heal`.
pub async fn check_liveness(world: &Arc<World>) {
    let sc = &world.scenario;
    let healed = Instant::now();
    let since_heal = || (Instant::now() - healed).as_millis() as u64;
    let term_at_heal = world.checks.top_term();
    let bound = world.election_timeout() * sc.liveness_elections;
    // A Raft system must elect a leader; a system that does not report roles is
    // judged by its clients alone.
    let raft = sc.system.raft().is_some();
    while raft && world.leader().is_none() {
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
        heal.elections = world.checks.top_term().saturating_sub(term_at_heal);
    }
    // Clients finish their outstanding op, then one read each.
    // Each client may still be waiting out its current op (one client timeout at most);
    // then its final read must be served once a leader serves, after the backlog the
    // faults left ahead of it in the log: one more bound, and a slow round trip per
    // entry written but not committed yet (with one entry per message and slow fsyncs
    // an overloaded leader can hold hundreds, each committed in turn) and per client
    // (each final read is one more entry, through the log).
    let backlog = {
        let obs = world.checks.observer();
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
    let target = world.checks.observer().commit_index();
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
            let open = super::settle::settle(world).await;
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
