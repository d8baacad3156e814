//! The data one timeline page draws, built from a run or from a checked history. It
//! is embedded in the page as JSON; nothing in it depends on the wall clock, so the
//! page of a seed is the same bytes on every run.

use crate::faults::{bands, FaultBand, ROWS};
use crate::lanes::{by_client, by_key, Grouping};
use crate::linearization::{partitions, PartitionView};
use crate::raft::{lanes, RaftLanes};
use linsim_checker::{CheckResult, History, Outcome, ReplayNamedError};
use linsim_sim::{RunReport, Violation};
use serde::Serialize;

/// One op: (call, bar end, outcome 0 ok / 1 fail / 2 info, description (with the
/// server that answered, where the history says: a stale answer points at its
/// server), process, partition or -1, step in that partition's order or -1). The bar of an op of
/// unknown outcome ends where its client went on (`lanes::by_client`); it runs on
/// thinly to the end. An array, to keep 10,000 ops small.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpRow(
    pub u64,
    pub u64,
    pub u8,
    pub String,
    pub u64,
    pub i64,
    pub i64,
);

/// Everything the page draws.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PageData {
    /// The page title.
    pub title: String,
    /// Facts shown under the title: (name, value).
    pub facts: Vec<(String, String)>,
    /// The model the history was checked with.
    pub model: String,
    /// The check's verdict (`ok`, `illegal`, `unknown`), or `not checked`.
    pub verdict: String,
    /// The end of the time axis (virtual ns); it starts at 0.
    pub end_ns: u64,
    /// Every op of the history, in history order.
    pub ops: Vec<OpRow>,
    /// Client lanes.
    pub client_lanes: Grouping,
    /// Client lanes by key, when the ops have keys.
    pub key_lanes: Option<Grouping>,
    /// The check's partitions, with their linearizations.
    pub partitions: Vec<PartitionView>,
    /// The fault rows, top to bottom.
    pub fault_rows: Vec<&'static str>,
    /// Fault intervals.
    pub faults: Vec<FaultBand>,
    /// Raft lanes, for a run.
    pub raft: Option<RaftLanes>,
    /// The run's first broken invariant (liveness and panics included), marked on the
    /// time axis.
    pub violation: Option<Violation>,
    /// The time axis is the order of the history's entries, not time: a history file
    /// that records no times (Jepsen's EDN is read in entry order). Then there is no
    /// latency or throughput to plot, and positions read as entry numbers.
    pub order_axis: bool,
}

fn outcome_code(o: Outcome) -> u8 {
    match o {
        Outcome::Ok => 0,
        Outcome::Fail => 1,
        Outcome::Info => 2,
    }
}

/// The end of a history's time axis: its last call or return, plus 2% so that bars
/// of unknown outcome show running on.
pub fn history_end(history: &History) -> u64 {
    let last = history
        .ops
        .iter()
        .map(|op| op.ret.unwrap_or(op.call).max(op.call))
        .max()
        .unwrap_or(0);
    last + (last / 50).max(1)
}

/// The page of `history`, checked with `model` into `result` (if it was checked).
pub fn for_history(
    title: String,
    facts: Vec<(String, String)>,
    model: &str,
    history: &History,
    result: Option<&CheckResult>,
    end_ns: u64,
) -> Result<PageData, ReplayNamedError> {
    let parts = match result {
        Some(r) => partitions(model, history, r)?,
        None => vec![],
    };
    let mut place = vec![(-1i64, -1i64); history.ops.len()];
    for (pi, p) in parts.iter().enumerate() {
        for (step, &i) in p.order.iter().enumerate() {
            place[i] = (pi as i64, step as i64);
        }
        for &i in p.candidates.iter().chain(&p.blocked) {
            place[i].0 = pi as i64;
        }
    }
    let (client_lanes, ends) = by_client(history, end_ns);
    let ops = history
        .ops
        .iter()
        .zip(&place)
        .zip(&ends)
        .map(|((op, &(part, step)), &end)| {
            let description = match op.node {
                Some(node) => format!("{} (server {node})", op.describe()),
                None => op.describe(),
            };
            OpRow(
                op.call,
                end,
                outcome_code(op.outcome),
                description,
                op.process,
                part,
                step,
            )
        })
        .collect();
    Ok(PageData {
        title,
        facts,
        model: model.to_string(),
        verdict: result.map_or("not checked".to_string(), |r| r.verdict.to_string()),
        end_ns,
        ops,
        key_lanes: by_key(history, &ends),
        client_lanes,
        partitions: parts,
        fault_rows: ROWS.to_vec(),
        faults: vec![],
        raft: None,
        violation: None,
        order_axis: false,
    })
}

/// The page of a run of a scenario with `nodes` servers; `repro` is its repro line.
pub fn for_run(report: &RunReport, nodes: u64, repro: &str) -> Result<PageData, ReplayNamedError> {
    let history = &report.history;
    let end_ns = (report.stats.virtual_ms * 1_000_000).max(history_end(history));
    let model = history.model.clone().unwrap_or_default();
    let s = &report.stats;
    let mut facts = vec![
        ("verdict".to_string(), report.verdict.to_string()),
        (
            "reason".to_string(),
            report.reason.clone().unwrap_or_else(|| "-".to_string()),
        ),
    ];
    for f in report.failures.iter().skip(1) {
        facts.push((
            "also failed".to_string(),
            format!("{}: {}", f.check, f.facts),
        ));
    }
    facts.extend([
        ("repro".to_string(), repro.to_string()),
        (
            "ops".to_string(),
            format!("{} ok, {} fail, {} info", s.ops_ok, s.ops_fail, s.ops_info),
        ),
        ("faults".to_string(), report.faults.len().to_string()),
        ("knobs".to_string(), report.knobs.describe()),
        (
            "hashes".to_string(),
            format!(
                "history {:016x}, trace {:016x}",
                report.history_hash, report.trace_hash
            ),
        ),
    ]);
    let title = format!("linsim {} seed {}", report.scenario, report.seed);
    let mut page = for_history(title, facts, &model, history, report.check.as_ref(), end_ns)?;
    page.faults = bands(&report.faults, end_ns);
    page.raft = Some(lanes(&report.raft, &page.faults, nodes, end_ns));
    page.violation = report.violation.clone();
    Ok(page)
}
