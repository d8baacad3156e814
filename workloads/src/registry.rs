//! The registry: every workload and nemesis by name, collected at link time.

use crate::nemeses::Combined;
use linsim_sim::{Nemesis, Workload};
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

/// The nemesis for a comma-separated list (`partition,crash`), or `all`.
pub fn nemesis(list: &str) -> Result<Arc<dyn Nemesis>, UnknownName> {
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
        return Err(unknown(list));
    }
    let mut parts: Vec<(&'static str, Arc<dyn Nemesis>)> = Vec::new();
    for name in names {
        if name == "all" {
            for e in entries.iter().filter(|e| e.in_all) {
                parts.push((e.name, (e.make)()));
            }
            continue;
        }
        let e = entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| unknown(name))?;
        parts.push((e.name, (e.make)()));
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
