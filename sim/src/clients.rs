//! What the framework keeps of its client slots: the load they generate now (the read
//! share, and bursts of reads that faults aim at a moment), and a book of how each slot
//! fared (processes retired, the longest time a slot went without an operation
//! completing, which clients' final reads were served).

use crate::probes::probe;
use crate::workload::OpMix;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The read share during a read burst (`Fault::ReadBurst`), in percent.
pub const BURST_READ_SHARE: u64 = 90;

/// The load's shape: the run's read share, raised during a read burst.
#[derive(Debug)]
pub struct ClientLoad {
    read_share: u64,
    burst_until_ns: AtomicU64,
}

impl ClientLoad {
    /// A load with `read_share` percent reads (the knob).
    pub fn new(read_share: u64) -> ClientLoad {
        ClientLoad {
            read_share,
            burst_until_ns: AtomicU64::new(0),
        }
    }

    /// The mix for client `slot` of `slots` at virtual time `now_ns`.
    pub fn mix(&self, slot: u64, slots: u64, now_ns: u64) -> OpMix {
        let share = if now_ns < self.burst_until_ns.load(Ordering::SeqCst) {
            self.read_share.max(BURST_READ_SHARE)
        } else {
            self.read_share
        };
        OpMix {
            read_share: share as f64 / 100.0,
            slot,
            slots,
            now_ns,
        }
    }

    /// Reads dominate until `until_ns` (a later burst extends an earlier one).
    pub fn burst_until(&self, until_ns: u64) {
        self.burst_until_ns.fetch_max(until_ns, Ordering::SeqCst);
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
