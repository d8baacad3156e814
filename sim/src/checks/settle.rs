//! After the faults heal and the cluster serves again, the work it accepted must
//! finish: the checks of progress beyond liveness.
//!
//! - `joint-config-progress`: no joint configuration outlives the bound. A joint
//!   configuration entered with auto-leave is left by the leader by itself; an explicit
//!   one is left when its operator asks, so the heal phase asks for it (the nemesis has
//!   stopped), as an operator finishing a change would.
//! - `read-progress`: every read raft confirmed is answered, and every read a server
//!   asked raft to confirm was confirmed or dropped with an error.
//! - `transfer-progress`: every leadership transfer completed or aborted.
//! - `conf-change-progress`: every conf-change entry a server applied was applied to
//!   its configuration or refused.
//!
//! The bound is the liveness bound (`Scenario::liveness_elections` election
//! timeouts): each of these takes a few round trips and at most one election timeout
//! of raft's own (a transfer's), so a healthy cluster finishes well within it, while
//! work that is stuck never finishes at all.

use super::liveness::catch_up_per_entry;
use super::quorum::describe;
use crate::engine::world::World;
use crate::faults::{Fault, Faults};
use crate::probes::probe;
use crate::system::ConfChange;
use madsim::time::{sleep, Duration, Instant};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Polling interval of the heal phase's waits.
const POLL: Duration = Duration::from_millis(5);

/// Waits for the work the cluster accepted to finish, and reports what did not.
/// Returns the joint configurations still open at the end (0 or 1).
pub async fn settle(world: &Arc<World>) -> u64 {
    let open = leave_joint_configs(world).await;
    end_transfers(world).await;
    let bound = world.liveness_bound().as_nanos() as u64;
    let now = world.now_ns();
    let mut obs = world.checks.observer();
    // Every joint configuration entered was left, or is the one still open: counted
    // along the committed sequence, anything else is a change applied twice or lost.
    let c = &world.counters;
    let (entered, left) = (
        c.joint_entered.load(Ordering::Relaxed),
        c.joint_left.load(Ordering::Relaxed),
    );
    if entered != left + open {
        let facts =
            format!("{entered} joint configurations entered, {left} left and {open} still open");
        obs.report("joint-config-progress", now, 0, facts);
    }
    obs.check_reads_settled(now, bound);
    obs.check_conf_changes_settled(now);
    open
}

/// Waits until no leadership transfer is in progress; one still in progress after the
/// bound breaks `transfer-progress`.
async fn end_transfers(world: &Arc<World>) {
    let deadline = Instant::now() + world.liveness_bound();
    while world.checks.observer().transfers_pending() > 0 {
        if Instant::now() >= deadline {
            let now = world.now_ns();
            world.checks.observer().check_transfers_settled(now);
            return;
        }
        sleep(POLL).await;
    }
}

/// Waits until the newest configuration is not joint, asking for an explicit one to be
/// left; a joint configuration still in force after the bound breaks
/// `joint-config-progress`. Returns 1 if one is still open.
async fn leave_joint_configs(world: &Arc<World>) -> u64 {
    let faults = Faults::new(world.clone());
    let start = Instant::now();
    // A leader leaves a joint configuration only once it applied every change in its
    // log, and its log may still hold a backlog of entries written but not committed:
    // besides the bound, a slow round trip for each.
    let backlog = {
        let obs = world.checks.observer();
        obs.last_durable_index().saturating_sub(obs.commit_index())
    };
    let deadline = start + world.liveness_bound() + catch_up_per_entry(world) * backlog as u32;
    // Asking again after an election timeout: a leave proposed to a leader that lost
    // office, or while another change was pending, is lost or refused.
    let retry = world.election_timeout();
    let mut asked: Option<Instant> = None;
    loop {
        let cs = faults.config();
        if cs.voters_outgoing.is_empty() {
            return 0;
        }
        let now = Instant::now();
        if now >= deadline {
            let facts = format!(
                "the cluster is still in the joint configuration {} {} ms after it healed and served",
                describe(&cs),
                (now - start).as_millis()
            );
            let at = world.now_ns();
            world
                .checks
                .observer()
                .report("joint-config-progress", at, 0, facts);
            return 1;
        }
        if !cs.auto_leave && asked.is_none_or(|t| now >= t + retry) {
            if let Some(via) = world.leader() {
                probe!(JointConfigLeftAtHeal);
                let change = ConfChange::leave();
                faults.apply(Fault::ConfChange { via, change });
                asked = Some(now);
            }
        }
        sleep(POLL).await;
    }
}
