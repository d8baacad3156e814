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
//! its own RNG (seeded from the run's seed, its id and its incarnation), and each
//! time raft-rs's timer restarts (that reset, a message from the leader, a granted
//! vote, an election that could not start) the server withholds the next `extra`
//! ticks from raft-rs while it does not lead. The timer then fires `election_tick +
//! extra` ticks after it restarted: raft-rs's own distribution, `[election_tick, 2 *
//! election_tick)`, one draw per term or role, as raft-rs draws it.
//!
//! What differs: a follower holding back ticks sees its leader's lease (the
//! check-quorum test that ignores vote requests within an election timeout of hearing
//! from the leader) last up to `extra` ticks longer, as a follower with a slow clock
//! would. That is the conservative side: it refuses disruptive votes longer, and the
//! clock-skew faults put every Raft through slower clocks than that anyway.

use crate::probes::probe;
use crate::storage::DiskStorage;
use linsim_sim::system::ServerNode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use raft::StateRole;

/// A server's election timer jitter.
pub(super) struct ElectionJitter {
    rng: StdRng,
    election_tick: usize,
    /// Ticks withheld after each restart of raft-rs's timer, drawn per term and role.
    extra: usize,
    /// Ticks still to withhold before raft-rs's timer runs again.
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
    /// a restart of its election timer (it went down, or `restarted` says the message
    /// just stepped restarts it: one from the leader, or a granted vote) owes `extra`
    /// ticks again.
    pub fn observe(&mut self, raft: &raft::Raft<DiskStorage>, restarted: bool) {
        let elapsed = raft.election_elapsed;
        let now = (raft.term, raft.state);
        match self.seen {
            Some((term, state, _)) if (term, state) != now => self.draw(),
            None => self.draw(),
            Some((_, _, before)) if elapsed < before || (elapsed == 0 && restarted) => {
                self.owed = self.extra;
            }
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

    /// Whether this tick of the server's clock goes to raft-rs (a leader's always do;
    /// others' wait out what is owed).
    pub fn pass_tick(&mut self, raft: &raft::Raft<DiskStorage>) -> bool {
        if raft.state == StateRole::Leader || self.owed == 0 {
            return true;
        }
        self.owed -= 1;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_cover_raft_rs_own_range() {
        let mut j = ElectionJitter {
            rng: StdRng::seed_from_u64(7),
            election_tick: 10,
            extra: 0,
            owed: 0,
            seen: None,
        };
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..500 {
            j.draw();
            assert_eq!(j.owed, j.extra);
            seen.insert(j.extra);
        }
        assert_eq!(seen, (0..10).collect(), "every timeout in [10, 20) occurs");
    }
}
