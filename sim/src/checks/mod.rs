//! The checks that decide a run besides the linearizability checker: the observer's
//! Raft invariants as events arrive (`observer`), the quorum arithmetic behind them
//! (`quorum`), the progress checks after the final heal (`settle`, `liveness`), and the
//! Raft lanes of the timeline the observer records (`timeline`).
//!
//! `Checks` is the state they share: the observer, each server's role as last
//! reported and the configuration each server applied. A system reaches it only
//! through `RaftEvents`.

pub mod liveness;
pub mod observer;
pub mod quorum;
pub mod settle;
pub mod timeline;

use crate::system::{Config, Role};
use observer::Observer;
use quorum::Membership;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// What the checks know of the cluster as the run goes.
#[derive(Debug)]
pub struct Checks {
    /// The invariants and the trace.
    pub observer: Mutex<Observer>,
    /// Each live server's (term, role), as last reported.
    pub roles: Mutex<BTreeMap<u64, (u64, Role)>>,
    /// The configuration each server applied (membership changes).
    pub membership: Mutex<Membership>,
}

/// Locks a part of the checks (or of any shared run state).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock()
        .expect("the simulation is single-threaded; no lock is poisoned")
}

impl Checks {
    /// The checks of a cluster that boots with voters `1..=voters`.
    pub fn new(voters: u64) -> Checks {
        Checks {
            observer: Mutex::new(Observer::new(Config::from_voters(1..=voters))),
            roles: Mutex::new(BTreeMap::new()),
            membership: Mutex::new(Membership::new(1..=voters)),
        }
    }

    /// Locks the observer.
    pub fn observer(&self) -> MutexGuard<'_, Observer> {
        lock(&self.observer)
    }

    /// The leader of the highest term among live members of the newest configuration,
    /// if any. (A server removed without learning it may campaign at terms nobody
    /// else joins; it does not hide the cluster's leader.)
    pub fn leader(&self) -> Option<u64> {
        let members = lock(&self.membership).members();
        let roles = lock(&self.roles);
        let members_roles = || roles.iter().filter(|(id, _)| members.contains(id));
        let top = members_roles().map(|(_, (t, _))| *t).max()?;
        members_roles()
            .find(|(_, (t, s))| *t == top && *s == Role::Leader)
            .map(|(&id, _)| id)
    }

    /// The top term any live member of the newest configuration reports.
    pub fn top_term(&self) -> u64 {
        let members = lock(&self.membership).members();
        lock(&self.roles)
            .iter()
            .filter(|(id, _)| members.contains(id))
            .map(|(_, (t, _))| *t)
            .max()
            .unwrap_or(0)
    }

    /// Every member of the newest configuration.
    pub fn members(&self) -> std::collections::BTreeSet<u64> {
        lock(&self.membership).members()
    }
}
