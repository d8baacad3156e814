//! linsim-report: `timeline.html`, one self-contained page that shows why a history
//! failed. On one zoomable time axis: one lane per client (or per key) with every op
//! as a bar from call to return, coloured by outcome; the linearization the checker
//! found (a point on each bar, stepped through with the model state after each step)
//! or, for an illegal history, the longest linearizable prefix and the op that cannot
//! be placed next; the fault schedule as bands; each server's Raft role, term, applied
//! index and up/down over time with the commit index; and Jepsen-style latency and
//! throughput plots with fault intervals shaded.
//!
//! The page is plain SVG drawn by a small embedded script, with the data embedded as
//! JSON: no network, works from `file://`. Nothing in it depends on the wall clock, so
//! a seed's page is byte-identical across runs.

#![warn(missing_docs)]

pub mod faults;
pub mod html;
pub mod lanes;
pub mod linearization;
pub mod page;
pub mod raft;

pub use linsim_checker::ReplayNamedError as TimelineError;
pub use page::PageData;

use linsim_checker::{CheckResult, History};
use linsim_sim::RunReport;

/// The timeline page of a run of a scenario with `nodes` servers, whose repro line
/// is `repro`.
pub fn run_timeline(report: &RunReport, nodes: u64, repro: &str) -> Result<String, TimelineError> {
    Ok(html::render(&page::for_run(report, nodes, repro)?))
}

/// The timeline page of a history checked with `model` (no faults, no Raft lanes):
/// `facts` are shown under `title`. With `order_axis`, the history's call and return
/// "times" are its entries' places in the file (it records no times): the axis reads
/// as entry order, without latency or throughput.
pub fn history_timeline(
    title: &str,
    facts: Vec<(String, String)>,
    model: &str,
    history: &History,
    result: &CheckResult,
    order_axis: bool,
) -> Result<String, TimelineError> {
    let end = page::history_end(history);
    let mut data = page::for_history(title.to_string(), facts, model, history, Some(result), end)?;
    data.order_axis = order_axis;
    Ok(html::render(&data))
}
