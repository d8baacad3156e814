//! Every server's disk in one run, and the handle a server holds on its own.
//!
//! The disks live outside the servers' tasks, so they survive crashes (the fault
//! crashes the disk with its server) and the checks can read what every server holds
//! durably. A server opens its disk with its system's `Durable` type; the set keeps it
//! type-erased (`StoredDisk`) for the faults and the checks.

use super::{CrashLoss, Disk, Durable};
use crate::system::RaftDurable;
use madsim::time::sleep;
use rand::rngs::StdRng;
use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A disk as the framework holds it, whatever its records.
pub trait StoredDisk: Send {
    /// Crashes it (see `Disk::crash`).
    fn crash(&mut self, torn: Option<&mut StdRng>) -> CrashLoss;
    /// Its durable state as a Raft log and hard state, if it is one.
    fn raft(&self) -> Option<&dyn RaftDurable>;
    /// For the typed handle.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<S: Durable> StoredDisk for Disk<S> {
    fn crash(&mut self, torn: Option<&mut StdRng>) -> CrashLoss {
        Disk::crash(self, torn)
    }
    fn raft(&self) -> Option<&dyn RaftDurable> {
        self.durable().raft()
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Every server's disk, by server id.
#[derive(Default)]
pub struct Disks {
    disks: Mutex<BTreeMap<u64, Box<dyn StoredDisk>>>,
}

impl Disks {
    /// Locks the set.
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Box<dyn StoredDisk>>> {
        self.disks
            .lock()
            .expect("the simulation is single-threaded; no lock is poisoned")
    }

    /// Crashes server `id`'s disk (nothing if it never opened one).
    pub fn crash(&self, id: u64, torn: Option<&mut StdRng>) -> CrashLoss {
        self.lock()
            .get_mut(&id)
            .map(|d| d.crash(torn))
            .unwrap_or_default()
    }

    /// Runs `f` on server `id`'s durable Raft state, if its disk holds one.
    pub fn raft<R>(&self, id: u64, f: impl FnOnce(&dyn RaftDurable) -> R) -> Option<R> {
        let disks = self.lock();
        disks.get(&id).and_then(|d| d.raft()).map(f)
    }

    /// The servers whose disks hold the entry at (`index`, `term`) durably: in their
    /// log with that term, or compacted into their durable snapshot.
    pub fn holding(&self, index: u64, term: u64) -> BTreeSet<u64> {
        self.lock()
            .iter()
            .filter_map(|(&id, d)| d.raft().map(|r| (id, r)))
            .filter(|(_, r)| r.term(index) == Some(term) || index <= r.compacted_to())
            .map(|(id, _)| id)
            .collect()
    }
}

/// A server's handle on its own disk, typed with its system's records.
pub struct DiskHandle<S: Durable> {
    id: u64,
    disks: Arc<Disks>,
    fsync_latency: Duration,
    lying_fsync: bool,
    _records: PhantomData<fn() -> S>,
}

impl<S: Durable> Clone for DiskHandle<S> {
    fn clone(&self) -> Self {
        DiskHandle {
            id: self.id,
            disks: self.disks.clone(),
            fsync_latency: self.fsync_latency,
            lying_fsync: self.lying_fsync,
            _records: PhantomData,
        }
    }
}

impl<S: Durable> DiskHandle<S> {
    /// Server `id`'s disk in `disks`, created empty the first time; every fsync takes
    /// `fsync_latency` of virtual time.
    ///
    /// # Panics
    /// If the disk was opened before with another `Durable` type.
    pub fn open(id: u64, disks: Arc<Disks>, fsync_latency: Duration) -> DiskHandle<S> {
        {
            let mut set = disks.lock();
            let disk = set
                .entry(id)
                .or_insert_with(|| Box::new(Disk::<S>::default()));
            assert!(
                disk.as_any_mut().is::<Disk<S>>(),
                "server {id}'s disk holds another system's records"
            );
        }
        DiskHandle {
            id,
            disks,
            fsync_latency,
            lying_fsync: false,
            _records: PhantomData,
        }
    }

    /// Makes every fsync through this handle lie: it acknowledges at once and makes
    /// durable only what the previous fsync was asked for (a drive's volatile write
    /// cache). A disk fault a system can ask for by name (the zoo's `lying-fsync`).
    pub fn set_lying_fsync(&mut self, lying: bool) {
        self.lying_fsync = lying;
    }

    /// Runs `f` on the disk (writes go to its page cache).
    pub fn with<R>(&self, f: impl FnOnce(&mut Disk<S>) -> R) -> R {
        let mut set = self.disks.lock();
        let disk = set
            .get_mut(&self.id)
            .and_then(|d| d.as_any_mut().downcast_mut::<Disk<S>>())
            .expect("a handle's disk exists with its type");
        f(disk)
    }

    /// The durable state now: what a restart would recover.
    pub fn durable<R>(&self, f: impl FnOnce(&S) -> R) -> R {
        self.with(|d| f(d.durable()))
    }

    /// fsync: takes the fsync latency of virtual time (a crash meanwhile loses the page
    /// cache), then makes the page cache durable. Returns the records that became
    /// durable.
    pub async fn fsync(&self) -> Vec<S::Record> {
        sleep(self.fsync_latency).await;
        self.with(|d| d.sync(self.lying_fsync))
    }

    /// The server this disk belongs to.
    pub fn id(&self) -> u64 {
        self.id
    }
}
