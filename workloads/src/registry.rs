//! The registry: every workload and nemesis by name, collected at link time.

use crate::nemeses::Combined;
use linsim_sim::faults::unmet_needs;
use linsim_sim::{Nemesis, System, Workload};
use std::fmt;
use std::sync::Arc;

/// A registered workload.
pub struct WorkloadEntry {
    /// Its name on the command line.
    pub name: &'static str,
    /// One line for `linsim list`.
    pub description: &'static str,
    /// Builds it.
    pub make: fn() -> Arc<dyn Workload>,
}

/// A registered nemesis.
pub struct NemesisEntry {
    /// Its name on the command line.
    pub name: &'static str,
    /// One line for `linsim list`.
    pub description: &'static str,
    /// Builds it.
    pub make: fn() -> Arc<dyn Nemesis>,
    /// Whether `all` includes it.
    pub in_all: bool,
}

inventory::collect!(WorkloadEntry);
inventory::collect!(NemesisEntry);

/// A name that is not registered, with the valid ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// `workload` or `nemesis`.
    pub kind: &'static str,
    /// The name given.
    pub name: String,
    /// The names that exist.
    pub valid: Vec<&'static str>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?}; valid names: {}",
            self.kind,
            self.name,
            self.valid.join(", ")
        )
    }
}

impl std::error::Error for UnknownName {}

/// Every workload, by name.
pub fn workload_entries() -> Vec<&'static WorkloadEntry> {
    let mut v: Vec<_> = inventory::iter::<WorkloadEntry>.into_iter().collect();
    v.sort_by_key(|e| e.name);
    v
}

/// The workloads the zoo's bugs are measured on under the defaults (`linsim bugs
/// --defaults`, docs/bug-zoo.md, tests/zoo.rs): register and kv reach every path the
/// zoo's Raft and service bugs live in. The structure workloads (set, counter, queue,
/// lock) are not measured there yet: each gets the bugs only it exposes.
pub const ZOO_MEASURED_WORKLOADS: &[&str] = &["register", "kv"];

/// Every nemesis, by name.
pub fn nemesis_entries() -> Vec<&'static NemesisEntry> {
    let mut v: Vec<_> = inventory::iter::<NemesisEntry>.into_iter().collect();
    v.sort_by_key(|e| e.name);
    v
}

/// The workload named `name`.
pub fn workload(name: &str) -> Result<Arc<dyn Workload>, UnknownName> {
    let entries = workload_entries();
    entries
        .iter()
        .find(|e| e.name == name)
        .map(|e| (e.make)())
        .ok_or_else(|| UnknownName {
            kind: "workload",
            name: name.to_string(),
            valid: entries.iter().map(|e| e.name).collect(),
        })
}

/// A nemesis list that cannot run on a system: an unknown name, or a nemesis that
/// needs a capability the system lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NemesisError {
    /// No nemesis has this name.
    Unknown(UnknownName),
    /// The system lacks what the nemesis needs (the sentence says what).
    Unsupported(String),
}

impl fmt::Display for NemesisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NemesisError::Unknown(u) => u.fmt(f),
            NemesisError::Unsupported(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for NemesisError {}

/// The nemesis for a comma-separated list on `system`: `all` takes every nemesis the
/// system can run (one that needs a capability it lacks is left out), and a nemesis
/// named explicitly that it cannot run is an error.
pub fn nemesis_for(list: &str, system: &dyn System) -> Result<Arc<dyn Nemesis>, NemesisError> {
    nemesis_filtered(list, |n| unmet_needs(n, system))
}

/// The nemesis for a comma-separated list (`partition,crash`), or `all`, for a system
/// that offers every capability (linsim's own).
pub fn nemesis(list: &str) -> Result<Arc<dyn Nemesis>, UnknownName> {
    nemesis_filtered(list, |_| None).map_err(|e| match e {
        NemesisError::Unknown(u) => u,
        NemesisError::Unsupported(why) => unreachable!("nothing is filtered: {why}"),
    })
}

fn nemesis_filtered(
    list: &str,
    unmet: impl Fn(&dyn Nemesis) -> Option<String>,
) -> Result<Arc<dyn Nemesis>, NemesisError> {
    let entries = nemesis_entries();
    let unknown = |name: &str| UnknownName {
        kind: "nemesis",
        name: name.to_string(),
        valid: std::iter::once("all")
            .chain(entries.iter().map(|e| e.name))
            .collect(),
    };
    let names: Vec<&str> = list.split(',').map(str::trim).collect();
    if names.iter().any(|n| n.is_empty()) {
        return Err(NemesisError::Unknown(unknown(list)));
    }
    let mut parts: Vec<(&'static str, Arc<dyn Nemesis>)> = Vec::new();
    for name in names {
        if name == "all" {
            for e in entries.iter().filter(|e| e.in_all) {
                let n = (e.make)();
                if unmet(&*n).is_none() {
                    parts.push((e.name, n));
                }
            }
            continue;
        }
        let e = entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| NemesisError::Unknown(unknown(name)))?;
        let n = (e.make)();
        if let Some(why) = unmet(&*n) {
            return Err(NemesisError::Unsupported(why));
        }
        parts.push((e.name, n));
    }
    parts.sort_by_key(|p| p.0);
    parts.dedup_by_key(|p| p.0);
    if parts.len() == 1 {
        return Ok(parts.pop().expect("one part").1);
    }
    Ok(Arc::new(Combined::new(
        list,
        parts.into_iter().map(|p| p.1).collect(),
    )))
}
