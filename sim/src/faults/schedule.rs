//! Checking a recorded fault schedule (a run's `schedule.json`, replayed with
//! `--schedule`) before a run starts: a schedule that names a server the cluster does
//! not have, or asks for something the system cannot do, is bad input, not a finding.

use super::{Fault, FaultEvent};
use crate::system::System;

impl Fault {
    /// Every server id the fault names.
    pub fn servers(&self) -> Vec<u64> {
        match self {
            Fault::Partition { groups } | Fault::Unpartition { groups } => {
                groups.iter().flatten().copied().collect()
            }
            Fault::CutClients { servers, .. } | Fault::UncutClients { servers, .. } => {
                servers.clone()
            }
            Fault::Clog { src, dst } | Fault::Unclog { src, dst } => vec![*src, *dst],
            Fault::TransferLeadership { from, to } => vec![*from, *to],
            Fault::ConfChange { via, change } => std::iter::once(*via)
                .chain(change.changes.iter().map(|c| c.node_id))
                .collect(),
            Fault::PowerLoss { nodes, .. } => nodes.clone(),
            Fault::Crash { node, .. }
            | Fault::Restart { node }
            | Fault::Pause { node }
            | Fault::Resume { node }
            | Fault::Drift { node, .. }
            | Fault::TickJump { node, .. } => vec![*node],
            Fault::Heal
            | Fault::Network { .. }
            | Fault::Duplicate { .. }
            | Fault::LoadBurst { .. } => Vec::new(),
        }
    }
}

/// Whether `events` can run on `servers` servers of `system`: every server it names
/// exists, events come in time order, and membership changes and leadership transfers
/// only go to a system that offers them. The error names the event (0-based) and
/// what is wrong.
pub fn check_schedule(
    events: &[FaultEvent],
    servers: u64,
    system: &dyn System,
) -> Result<(), String> {
    let mut last = 0;
    for (i, e) in events.iter().enumerate() {
        let at = format!("event {i} (at_ns {})", e.at_ns);
        if e.at_ns < last {
            return Err(format!(
                "{at} comes before the event ahead of it (at_ns {last})"
            ));
        }
        last = e.at_ns;
        if let Some(s) = e
            .fault
            .servers()
            .into_iter()
            .find(|&s| s == 0 || s > servers)
        {
            return Err(format!(
                "{at} names server {s}, but the cluster has servers 1 to {servers}"
            ));
        }
        let missing = match e.fault {
            Fault::ConfChange { .. } if system.membership().is_none() => Some("membership changes"),
            Fault::TransferLeadership { .. } if system.transfer().is_none() => {
                Some("leadership transfer")
            }
            _ => None,
        };
        if let Some(what) = missing {
            return Err(format!(
                "{at} needs {what}, which system {} does not offer",
                system.name()
            ));
        }
    }
    Ok(())
}
