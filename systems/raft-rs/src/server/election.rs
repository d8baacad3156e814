//! Randomized election timeouts drawn from the run's seed, through ticks.
//!
//! raft-rs 0.7 draws each randomized election timeout from rand 0.8's `thread_rng`
//! (in `Raft::reset_randomized_election_timeout`, at every term or role change), which
//! the simulator does not make deterministic; and its setter for the timeout accepts
//! only values inside the configured range. So the range is pinned to one value
//! (`min_election_tick = election_tick`, `max_election_tick = election_tick + 1`): every
//! draw of raft-rs gives exactly `election_tick`, whatever its RNG says.
//!
//! The randomness comes back through the clock: each time raft-rs resets its election
//! timer at a new term or role, the server draws `extra` in `[0, election_tick)` from
//! its own RNG (seeded from the run's seed, its id and its incarnation). While it does
//! not lead, the server then holds back up to `extra` ticks at the moment raft-rs's
//! timer is one tick short of firing, once per run of the timer (a restart of the
//! timer, by the leader's message, a granted vote or a new term, is seen as its
//! elapsed count going down). The timer fires `election_tick + extra` ticks after it
//! started: raft-rs's own distribution, `[election_tick, 2 * election_tick)`, drawn
//! once per term or role as raft-rs draws it. Holding back at the end rather than at
//! the start keeps every restart visible: the count is never still at zero then.
//!
//! What differs: while ticks are held back, a follower's count stands one short of
//! the election timeout, so it sees its leader's lease (the check-quorum test that
//! ignores vote requests within an election timeout of hearing from the leader) last
//! up to `extra` ticks longer, as a follower with a slow clock would. That is the
//! conservative side: it refuses disruptive votes longer, and the clock-skew faults
//! put every Raft through slower clocks than that anyway.

use crate::probes::probe;
use crate::storage::DiskStorage;
use linsim_sim::system::ServerNode;
use raft::StateRole;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A server's election timer jitter.
pub(super) struct ElectionJitter {
    rng: StdRng,
    election_tick: usize,
    /// Ticks held back in each run of raft-rs's timer, drawn per term and role.
    extra: usize,
    /// Ticks still to hold back in this run of the timer.
    owed: usize,
    /// Term, role and timer as last seen.
    seen: Option<(u64, StateRole, usize)>,
}

impl ElectionJitter {
    /// The jitter of server `ctx.id()` in this incarnation.
    pub fn new(ctx: &ServerNode) -> ElectionJitter {
        let seed = ctx.seed()
            ^ ctx.id().wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ ctx.incarnation().wrapping_mul(0x2545_F491_4F6C_DD1D);
        ElectionJitter {
            rng: StdRng::seed_from_u64(seed),
            election_tick: ctx.knobs().election_tick,
            extra: 0,
            owed: 0,
            seen: None,
        }
    }

    /// Looks at raft-rs after a call into it: a new term or role draws a new `extra`;
    /// a restart of its election timer (its elapsed count went down) owes `extra`
    /// ticks again.
    pub fn observe(&mut self, raft: &raft::Raft<DiskStorage>) {
        let elapsed = raft.election_elapsed;
        let now = (raft.term, raft.state);
        match self.seen {
            Some((term, state, _)) if (term, state) != now => self.draw(),
            None => self.draw(),
            Some((_, _, before)) if elapsed < before => self.owed = self.extra,
            Some(_) => {}
        }
        self.seen = Some((now.0, now.1, elapsed));
    }

    fn draw(&mut self) {
        self.extra = self.rng.random_range(0..self.election_tick);
        self.owed = self.extra;
        if self.extra > 0 {
            probe!(ElectionTickWithheld);
        }
    }

    /// Whether this tick of the server's clock goes to raft-rs: a leader's always do;
    /// others' are held back while raft-rs's timer is one tick short of firing and
    /// ticks are still owed.
    pub fn pass_tick(&mut self, raft: &raft::Raft<DiskStorage>) -> bool {
        let fires_next = raft.election_elapsed + 1 >= raft.randomized_election_timeout();
        if raft.state == StateRole::Leader || !fires_next || self.owed == 0 {
            return true;
        }
        self.owed -= 1;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durable::Stored;
    use linsim_sim::disk::{DiskHandle, Disks};
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::time::Duration;

    /// A lone server of three that never hears back campaigns again and again: the
    /// ticks between its campaigns are raft-rs's election timeouts.
    #[test]
    fn elections_time_out_over_raft_rs_own_range() {
        let disk = DiskHandle::<Stored>::open(1, Arc::new(Disks::default()), Duration::ZERO);
        let storage = DiskStorage::new(disk, [1, 2, 3]);
        let config = raft::Config {
            id: 1,
            election_tick: 10,
            heartbeat_tick: 2,
            min_election_tick: 10,
            max_election_tick: 11,
            ..raft::Config::default()
        };
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        let mut raw = raft::RawNode::new(&config, storage, &logger).expect("valid config");
        let mut jitter = ElectionJitter {
            rng: StdRng::seed_from_u64(7),
            election_tick: 10,
            extra: 0,
            owed: 0,
            seen: None,
        };
        jitter.observe(&raw.raft);
        let (mut timeouts, mut since) = (BTreeSet::new(), 0);
        for _ in 0..3000 {
            since += 1;
            if jitter.pass_tick(&raw.raft) {
                raw.tick();
            }
            let term = raw.raft.term;
            jitter.observe(&raw.raft);
            if jitter.seen.map(|s| s.0) == Some(term) && raw.raft.election_elapsed == 0 {
                timeouts.insert(since);
                since = 0;
            }
        }
        assert_eq!(
            timeouts,
            (10..20).collect(),
            "every timeout in [10, 20) occurs"
        );
    }
}
