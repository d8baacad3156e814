//! The outcome of a check, as data: the verdict, every partition's verdict and stats,
//! and for an illegal history where the search got stuck.

use crate::search::{GaveUp, SearchStats};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The verdict of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Linearizable.
    Ok,
    /// Not linearizable.
    Illegal,
    /// The budget ran out before a verdict.
    Unknown,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Ok => "ok",
            Verdict::Illegal => "illegal",
            Verdict::Unknown => "unknown",
        })
    }
}

/// Where an illegal partition got stuck, in history terms. For a partition split into
/// independent components (`Model::parts`), where its first illegal component got
/// stuck: the prefix holds that component's ops only, and the state shows the other
/// parts at their initial values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    /// The longest linearizable prefix found: history op indexes in linearization order.
    pub prefix: Vec<usize>,
    /// The model state after that prefix, described.
    pub state: String,
    /// The op whose return came before it could be linearized (history index).
    pub blocked: usize,
    /// That op, described.
    pub blocked_op: String,
    /// The pending ops tried after the prefix, none of which could go next.
    pub candidates: Vec<usize>,
}

/// The outcome of one partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionResult {
    /// The partition key (`None`: the whole history).
    pub key: Option<String>,
    /// Its verdict.
    pub verdict: Verdict,
    /// Operations searched (after dropping failed ops and unknown reads).
    pub ops: usize,
    /// Why it gave up, if it did.
    pub gave_up: Option<GaveUp>,
    /// Where it got stuck, if illegal.
    pub counterexample: Option<Counterexample>,
    /// If linearizable: the linearization found, history op indexes in order (ops
    /// that never returned and never took effect are left out). Not serialized: a
    /// timeline renders it (`crate::steps`).
    #[serde(skip)]
    pub linearization: Option<Vec<usize>>,
    /// How much work the search did.
    pub stats: SearchStats,
    /// Ops the model left out before the search, as nothing observed could depend on
    /// them.
    pub pruned: Pruned,
}

/// Ops a model leaves out before the search (`Model::prepare` gives them no form).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pruned {
    /// Reads of unknown outcome: whatever they returned constrains nothing.
    pub unknown_reads: usize,
    /// Writes of unknown outcome that no read saw and no cas could have depended on
    /// (the kv model's rule, sound with values that rarely repeat).
    pub unseen_writes: usize,
}

/// The outcome of checking a history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    /// The overall verdict: illegal if any partition is, else unknown if any is.
    pub verdict: Verdict,
    /// The model used.
    pub model: String,
    /// Operations in the history.
    pub ops: usize,
    /// Every partition, by key.
    pub partitions: Vec<PartitionResult>,
    /// Wall time of the search, milliseconds (reported, never part of the verdict).
    pub check_ms: f64,
    /// A remark on the verdict, e.g. that the history had no client operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl CheckResult {
    /// The ops left out before the search, over every partition.
    pub fn pruned(&self) -> Pruned {
        self.partitions
            .iter()
            .fold(Pruned::default(), |total, p| Pruned {
                unknown_reads: total.unknown_reads + p.pruned.unknown_reads,
                unseen_writes: total.unseen_writes + p.pruned.unseen_writes,
            })
    }

    /// The first illegal partition, if any.
    pub fn first_illegal(&self) -> Option<&PartitionResult> {
        self.partitions
            .iter()
            .find(|p| p.verdict == Verdict::Illegal)
    }

    /// Search steps of every partition, summed.
    pub fn steps(&self) -> u64 {
        self.partitions.iter().map(|p| p.stats.iterations).sum()
    }

    /// A stable 64-bit fingerprint of everything in the result that is a pure function
    /// of the history, the model and the budget: the verdict, the model, every
    /// partition's key, verdict, reason to give up and counterexample, and the stats of
    /// partitions that were not cancelled. Wall time is left out. Two runs of the same
    /// check agree on it on any machine unless `timeout` was set and fired.
    pub fn fingerprint(&self) -> u64 {
        let parts: Vec<serde_json::Value> = self
            .partitions
            .iter()
            .map(|p| {
                let stats = (p.gave_up != Some(GaveUp::Cancelled)).then_some(p.stats);
                serde_json::json!([p.key, p.verdict, p.gave_up, p.counterexample, stats])
            })
            .collect();
        let all = serde_json::json!([self.verdict, self.model, self.ops, parts, self.note]);
        crate::history::fnv1a(all.to_string().as_bytes())
    }
}
