//! The framework's code probes (disk, network, clients, faults, checks). A run reports
//! them with its system's own (`System::probes`).

linsim_probes::define_probes! {
    UnsyncedWritesLost: "unsynced_writes_lost", "sim/src/disk/mod.rs", false,
        "a crash lost writes that were in the page cache (not yet fsynced)";
    TornRecordTruncated: "torn_record_truncated", "sim/src/disk/mod.rs", true,
        "recovery found a partial or corrupt last record after a torn crash and truncated the log there";
    EntriesLostInCrash: "entries_lost_in_crash", "sim/src/faults/handle.rs", false,
        "a crash lost log entries that had not been synced";
    PowerLossMajority: "power_loss_majority", "sim/src/faults/handle.rs", false,
        "a majority of the servers lost power at the same instant";
    ClientsCutOff: "clients_cut_off", "sim/src/faults/handle.rs", false,
        "links between clients and servers were cut";
    ClientResentRequest: "client_resent_request", "sim/src/clients/process.rs", false,
        "a client got no answer in time and resent the same request to another server";
    ClientRedirected: "client_redirected", "sim/src/clients/process.rs", false,
        "a client was told another server leads and retried there";
    ClientTimedOut: "client_timed_out", "sim/src/clients/process.rs", false,
        "a client gave up on an operation: its outcome is unknown (info)";
    MessageDuplicated: "message_duplicated", "sim/src/net/mod.rs", false,
        "the transport sent a raft message twice";
    ClientLeftRemovedServer: "client_left_removed_server", "sim/src/clients/process.rs", false,
        "a client bound to (or sent to) a server no longer a member moved on to the next member";
    JointCommitCheckedBothHalves: "joint_commit_checked_both_halves", "sim/src/checks/observer/membership.rs", false,
        "a leader in a joint configuration advanced its commit index and the observer found a quorum of both halves holding the entry durably";
    ReadIndexAboveArrivalCommit: "read_index_above_arrival_commit", "sim/src/checks/observer/reads.rs", false,
        "a read was confirmed at a read index above the commit index known when it arrived (it waited for later writes)";
    TransferCompleted: "transfer_completed", "sim/src/checks/observer/progress.rs", false,
        "a leadership transfer completed: its target became leader";
    TransferAborted: "transfer_aborted", "sim/src/checks/observer/progress.rs", true,
        "a leadership transfer was abandoned by its leader (timed out, or its target left the configuration)";
    JointConfigLeftAtHeal: "joint_config_left_at_heal", "sim/src/checks/settle.rs", false,
        "after the final heal the cluster was in an explicit joint configuration, and the operator's leave was proposed";
    ClientProcessRetired: "client_process_retired", "sim/src/clients/load.rs", false,
        "a client's operation timed out: its process retired and a fresh process took the slot";
    LoadBurst: "load_burst", "sim/src/faults/handle.rs", false,
        "a fault aimed a burst of reads or writes at a moment (a leader change, a partition's heal)";
}

/// Counts a hit of one of the simulator's probes: `probe!(UnsyncedWritesLost)`.
macro_rules! probe {
    ($variant:ident) => {
        $crate::probes::hit($crate::probes::Probe::$variant)
    };
}
pub(crate) use probe;

use linsim_probes::{ProbeInfo, ProbeSet};

/// Every probe a run reports: the system's sets (`System::probes`), then the framework's.
pub fn all(system_sets: &[ProbeSet]) -> Vec<ProbeInfo> {
    system_sets
        .iter()
        .chain([&SET])
        .flat_map(|set| set.probes.iter().copied())
        .collect()
}

/// This thread's hits of every probe since the last call, in the order of `all`.
pub fn take_all(system_sets: &[ProbeSet]) -> Vec<u64> {
    system_sets
        .iter()
        .chain([&SET])
        .flat_map(|set| (set.take)())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probe_lives_in_the_file_its_table_names() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap();
        linsim_probes::check_files(PROBES, ALL_PROBES, root).unwrap();
    }
}
