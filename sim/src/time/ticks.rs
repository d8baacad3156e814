//! Each server's clock: it ticks every `tick_interval` times its drift, and a jump adds
//! ticks at once (a burst) or withholds them (the clock stands still). Raft-style
//! systems count ticks for their timeouts, so the clock faults move their elections
//! and leases (`Fault::Drift`, `Fault::TickJump`).

use madsim::time::sleep;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// A server's clock: its tick interval is the scenario's times `drift`; `jump` ticks
/// are added (positive: a burst) or withheld (negative) at the next tick.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    /// Tick interval multiplier (1.0: no drift).
    pub drift: f64,
    /// Pending tick jump.
    pub jump: i64,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock {
            drift: 1.0,
            jump: 0,
        }
    }
}

/// Every server's clock.
#[derive(Debug)]
pub struct Clocks {
    tick_interval: Duration,
    clocks: Mutex<BTreeMap<u64, Clock>>,
}

impl Clocks {
    /// Clocks for servers `ids`, ticking every `tick_interval` until a fault moves them.
    pub fn new(ids: impl IntoIterator<Item = u64>, tick_interval: Duration) -> Clocks {
        Clocks {
            tick_interval,
            clocks: Mutex::new(ids.into_iter().map(|id| (id, Clock::default())).collect()),
        }
    }

    /// Locks every clock (the faults set drift and jumps).
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Clock>> {
        self.clocks
            .lock()
            .expect("the simulation is single-threaded; no lock is poisoned")
    }

    /// The scenario's tick interval (before drift).
    pub fn tick_interval(&self) -> Duration {
        self.tick_interval
    }

    /// Runs server `id`'s clock on the current node: calls `tick` once per tick (a
    /// burst calls it several times at once) until it returns false. A task of the
    /// server's node: a crash stops it with the server.
    pub fn spawn_ticker(self: &std::sync::Arc<Self>, id: u64, tick: impl Fn() -> bool + 'static) {
        let clocks = self.clone();
        madsim::task::spawn_local(async move {
            loop {
                let (drift, ticks) = {
                    let mut all = clocks.lock();
                    let c = all.get_mut(&id).expect("every server has a clock");
                    // A positive jump is a burst of ticks at once; a negative one
                    // withholds that many ticks, one interval each.
                    let ticks = if c.jump < 0 {
                        c.jump += 1;
                        0
                    } else {
                        1 + std::mem::take(&mut c.jump)
                    };
                    (c.drift, ticks)
                };
                sleep(clocks.tick_interval.mul_f64(drift)).await;
                for _ in 0..ticks {
                    if !tick() {
                        return;
                    }
                }
            }
        });
    }
}
