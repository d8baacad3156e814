//! What the framework keeps of its client slots: the load they generate now (the read
//! share, and bursts of reads that faults aim at a moment), and a book of how each slot
//! fared (processes retired, the longest time a slot went without an operation
//! completing, which clients' final reads were served).

use super::workload::OpMix;
use crate::probes::probe;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Clients up to which the offered load grows with their number; beyond it each
/// client thinks longer, so that more clients add concurrency (operations in flight at
/// once), not throughput, as Jepsen's `stagger` spreads one rate over every process.
pub const RATE_CLIENTS: u64 = 3;

/// Clients beyond which the final reads after the heal are resent further apart (one
/// more interval per this many clients): every resend of a read through the log is one
/// more entry behind the backlog.
pub const RESEND_CLIENTS: u64 = 15;

/// The load's shape: the run's read share, changed during a burst (`Fault::LoadBurst`),
/// and how keys are shared.
#[derive(Debug)]
pub struct ClientLoad {
    read_share: u64,
    key_processes: u64,
    key_lifetime_ns: u64,
    burst_until_ns: AtomicU64,
    burst_read_share: AtomicU64,
}

impl ClientLoad {
    /// The load the knobs describe.
    pub fn new(knobs: &crate::knobs::Knobs) -> ClientLoad {
        ClientLoad {
            read_share: knobs.read_share,
            key_processes: knobs.key_processes,
            key_lifetime_ns: knobs.key_lifetime_ms * 1_000_000,
            burst_until_ns: AtomicU64::new(0),
            burst_read_share: AtomicU64::new(0),
        }
    }

    /// The longest a client of `slots` waits between its operations, for a client that
    /// alone would wait up to `think`.
    pub fn think_time(think: std::time::Duration, slots: u64) -> std::time::Duration {
        think * slots.max(RATE_CLIENTS) as u32 / RATE_CLIENTS as u32
    }

    /// The mix for client `slot` of `slots` at virtual time `now_ns`.
    pub fn mix(&self, slot: u64, slots: u64, now_ns: u64) -> OpMix {
        let share = if now_ns < self.burst_until_ns.load(Ordering::SeqCst) {
            self.burst_read_share.load(Ordering::SeqCst)
        } else {
            self.read_share
        };
        OpMix {
            read_share: share as f64 / 100.0,
            slot,
            slots,
            now_ns,
            key_processes: self.key_processes,
            key_lifetime_ns: self.key_lifetime_ns,
        }
    }

    /// Clients draw `read_share` percent reads until `until_ns` (a later burst
    /// replaces the share and extends the end).
    pub fn burst(&self, until_ns: u64, read_share: u64) {
        self.burst_until_ns.fetch_max(until_ns, Ordering::SeqCst);
        self.burst_read_share
            .store(read_share.min(100), Ordering::SeqCst);
    }
}

/// One client slot as its task sees it: the process now running in it, and when an
/// operation of the slot last completed.
#[derive(Debug)]
pub struct Slot {
    /// The slot's index (its client node).
    pub index: u64,
    /// The process running in the slot (a new one after each unknown outcome).
    pub process: u64,
    last_completion_ns: u64,
}

impl Slot {
    /// Slot `index` at virtual time `now_ns`, running process `index`.
    pub fn new(index: u64, now_ns: u64) -> Slot {
        Slot {
            index,
            process: index,
            last_completion_ns: now_ns,
        }
    }
}

/// How the client slots fared over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Processes retired after an unknown outcome during the workload phase.
    pub processes_retired: u64,
    /// The longest time any slot went without an operation completing (ok, fail or
    /// unknown) during the workload phase, virtual ns.
    pub max_slot_idle_ns: u64,
    /// The slot that went idle longest.
    pub max_idle_slot: u64,
}

#[derive(Debug, Default)]
struct Book {
    stats: ClientStats,
    /// Clients whose final read after healing was served.
    finished: BTreeMap<u64, bool>,
}

/// The book of every slot, shared by the client tasks and the supervisor.
#[derive(Debug, Default)]
pub struct ClientBook {
    book: Mutex<Book>,
}

impl ClientBook {
    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book
            .lock()
            .expect("the simulation is single-threaded; no lock is poisoned")
    }

    /// An operation of `slot` completed at `now_ns`; `answered` is false for an unknown
    /// outcome (the slot's process then retires).
    pub fn completed(&self, slot: &mut Slot, now_ns: u64, answered: bool) {
        let idle = now_ns - slot.last_completion_ns;
        slot.last_completion_ns = now_ns;
        let mut book = self.book();
        let stats = &mut book.stats;
        if idle > stats.max_slot_idle_ns {
            stats.max_slot_idle_ns = idle;
            stats.max_idle_slot = slot.index;
        }
        if !answered {
            probe!(ClientProcessRetired);
            stats.processes_retired += 1;
        }
    }

    /// Client `index` is done; `served` tells whether its final read succeeded.
    pub fn finished(&self, index: u64, served: bool) {
        self.book().finished.insert(index, served);
    }

    /// How many clients are done.
    pub fn finished_count(&self) -> u64 {
        self.book().finished.len() as u64
    }

    /// The slots' figures so far.
    pub fn stats(&self) -> ClientStats {
        self.book().stats
    }
}
