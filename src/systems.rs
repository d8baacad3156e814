//! The systems linsim can test, by name (`--system NAME`, `linsim list`).

use linsim_sim::System;
use std::sync::Arc;

/// Every registered system, the default first.
pub fn all() -> Vec<Arc<dyn System>> {
    vec![
        Arc::new(linsim_kv::LinsimKv),
        Arc::new(primary_backup::PrimaryBackup),
        Arc::new(linsim_raft_rs::RaftRs),
    ]
}

/// The system named `name`, or an error listing the names.
pub fn by_name(name: &str) -> Result<Arc<dyn System>, String> {
    let systems = all();
    let names: Vec<&str> = systems.iter().map(|s| s.name()).collect();
    systems
        .iter()
        .find(|s| s.name() == name)
        .cloned()
        .ok_or_else(|| {
            format!(
                "unknown system {name:?}; valid systems: {}",
                names.join(", ")
            )
        })
}

/// The capabilities `system` offers, as `linsim list` prints them.
pub fn capabilities(system: &dyn System) -> String {
    let mut caps = Vec::new();
    if let Some(raft) = system.raft() {
        caps.push(format!("raft invariants ({})", raft.library()));
    }
    if system.membership().is_some() {
        caps.push("membership".to_string());
    }
    if system.transfer().is_some() {
        caps.push("transfer".to_string());
    }
    if !system.probes().is_empty() {
        caps.push("probes".to_string());
    }
    let bugs = system.bugs().len();
    if bugs > 0 {
        caps.push(format!("{bugs} named bugs"));
    }
    if caps.is_empty() {
        caps.push("linearizability only".to_string());
    }
    // The nemeses it cannot run (`all` leaves them out for it).
    let without: Vec<&str> = linsim_workloads::nemesis_entries()
        .into_iter()
        .filter(|e| linsim_sim::faults::unmet_needs(&*(e.make)(), system).is_some())
        .map(|e| e.name)
        .collect();
    if !without.is_empty() {
        caps.push(format!("no {} nemesis", without.join("/")));
    }
    caps.join(", ")
}
