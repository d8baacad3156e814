//! Time in a run: virtual time since the run started (`RunClock`), and each server's
//! clock (`Clocks`), which ticks at the scenario's interval times its drift and can
//! jump (the skew faults).

mod ticks;

pub use ticks::{Clock, Clocks};

use madsim::time::Instant;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Virtual time since the run started.
#[derive(Debug, Default)]
pub struct RunClock {
    start: OnceLock<Instant>,
    /// The latest time read: what the run reached, even if it ends in a panic (the
    /// runtime, and so its clock, is gone then).
    latest_ns: AtomicU64,
}

impl RunClock {
    /// Marks virtual time zero (called once, inside the runtime).
    pub fn start(&self) {
        let _ = self.start.set(Instant::now());
    }

    fn zero(&self) -> Instant {
        *self
            .start
            .get()
            .expect("the clock starts before any node runs")
    }

    /// Virtual nanoseconds since the run started.
    pub fn now_ns(&self) -> u64 {
        let ns = Instant::now().duration_since(self.zero()).as_nanos() as u64;
        // A run's tasks all run on its one thread: a plain load and store keep the
        // maximum (a read-modify-write would cost more on this hot path).
        if ns > self.latest_ns.load(Ordering::Relaxed) {
            self.latest_ns.store(ns, Ordering::Relaxed);
        }
        ns
    }

    /// The latest virtual time any task read (outside the runtime too).
    pub fn latest_ns(&self) -> u64 {
        self.latest_ns.load(Ordering::Relaxed)
    }

    /// The instant `ns` virtual nanoseconds after the run started.
    pub fn instant_at(&self, ns: u64) -> Instant {
        self.zero() + std::time::Duration::from_nanos(ns)
    }
}
