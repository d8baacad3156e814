//! Named bugs: deliberate defects a system can turn on (`--bug NAME`), each with what
//! it does, where it comes from and what finds it. linsim's bug zoo is linsim's Raft KV
//! service's table; any system may carry its own.

/// One named bug of a system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BugSpec {
    /// Its name on the command line.
    pub name: &'static str,
    /// The layer it lives in: elections, replication, persistence, client, ...
    pub layer: &'static str,
    /// What it does, in one line.
    pub description: &'static str,
    /// What it reproduces: paper section, published bug, incident.
    pub provenance: &'static str,
    /// The workload that finds it fastest.
    pub workload: &'static str,
    /// The nemesis that finds it fastest.
    pub nemesis: &'static str,
    /// Knobs fixed to reach it (`NAME=VALUE`), if any.
    pub knobs: &'static [&'static str],
    /// Servers in the cluster, if not the default (5).
    pub nodes: Option<u64>,
    /// Voters the cluster boots with, if fewer than the servers (spares for the
    /// membership nemesis to add).
    pub voters: Option<u64>,
    /// The check expected to catch it first.
    pub check: &'static str,
}

impl BugSpec {
    /// The knobs it fixes that a default sweep never draws (lease reads, the Node
    /// API): such a bug keeps them under `linsim bugs --defaults`.
    pub fn needs_off_by_default(&self) -> Vec<&'static str> {
        self.knobs
            .iter()
            .copied()
            .filter(|k| crate::knobs::NEVER_DRAWN.contains(k))
            .collect()
    }
}

/// The named bugs turned on in a run: indexes into its system's `System::bugs`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BugSet {
    bits: u64,
    /// Their names, in the order given.
    pub names: Vec<&'static str>,
}

impl BugSet {
    /// Turns on the bug at `index` of the system's table, named `name`.
    ///
    /// # Panics
    /// If `index` is 64 or more (a system carries fewer bugs).
    pub fn add(&mut self, index: usize, name: &'static str) {
        assert!(index < 64, "a system carries at most 64 named bugs");
        self.bits |= 1 << index;
        self.names.push(name);
    }

    /// Whether the bug at `index` is on.
    #[inline]
    pub fn has(&self, index: usize) -> bool {
        index < 64 && self.bits & (1 << index) != 0
    }

    /// Whether no bug is on.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
