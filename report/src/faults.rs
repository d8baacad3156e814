//! Fault bands: a run's fault schedule (point events: cut, restore, crash, restart, ...)
//! turned into intervals on the time axis, one row per kind of fault.

use linsim_sim::{Fault, FaultEvent};
use serde::Serialize;
use std::collections::BTreeMap;

/// One fault interval (or, when `start == end`, one instant: a leadership transfer,
/// a tick jump).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultBand {
    /// The row it is drawn in: `partition`, `clog`, `clients`, `network`, `duplicate`,
    /// `crash`, `pause`, `skew` or `transfer`.
    pub row: &'static str,
    /// What it is, e.g. `partition [1 2] | [3 4 5]`.
    pub label: String,
    /// Virtual nanoseconds when it began.
    pub start: u64,
    /// When it ended (the end of the run if nothing undid it).
    pub end: u64,
    /// The servers it takes down or freezes (crash, power loss, pause), else empty.
    pub nodes: Vec<u64>,
}

/// The rows, top to bottom.
pub const ROWS: [&str; 11] = [
    "partition",
    "clog",
    "clients",
    "network",
    "duplicate",
    "crash",
    "pause",
    "skew",
    "transfer",
    "membership",
    "load",
];

fn list(ids: &[u64]) -> String {
    let parts: Vec<String> = ids.iter().map(u64::to_string).collect();
    format!("[{}]", parts.join(" "))
}

/// Builds the bands from the schedule, closing whatever is still open at `end_ns`.
struct BandBuilder {
    end_ns: u64,
    /// Open bands by (row, identity), with the index of their band.
    open: BTreeMap<(&'static str, String), usize>,
    bands: Vec<FaultBand>,
}

impl BandBuilder {
    fn new(end_ns: u64) -> BandBuilder {
        BandBuilder {
            end_ns,
            open: BTreeMap::new(),
            bands: Vec::new(),
        }
    }

    fn is_open(&self, row: &'static str, id: &str) -> bool {
        self.open.contains_key(&(row, id.to_string()))
    }

    /// Opens a band unless one with this identity is open already.
    fn open(&mut self, at: u64, row: &'static str, id: String, label: String, nodes: Vec<u64>) {
        if self.is_open(row, &id) {
            return;
        }
        self.open.insert((row, id), self.bands.len());
        self.bands.push(FaultBand {
            row,
            label,
            start: at,
            end: self.end_ns.max(at),
            nodes,
        });
    }

    fn close(&mut self, at: u64, row: &'static str, id: &str) {
        if let Some(i) = self.open.remove(&(row, id.to_string())) {
            self.bands[i].end = at;
        }
    }

    fn close_row(&mut self, at: u64, row: &'static str) {
        let ids: Vec<String> = self
            .open
            .keys()
            .filter(|(r, _)| *r == row)
            .map(|(_, id)| id.clone())
            .collect();
        for id in ids {
            self.close(at, row, &id);
        }
    }

    fn instant(&mut self, at: u64, row: &'static str, label: String) {
        self.bands.push(FaultBand {
            row,
            label,
            start: at,
            end: at,
            nodes: vec![],
        });
    }

    fn apply(&mut self, at: u64, fault: &Fault) {
        match fault {
            Fault::Partition { groups } => {
                let parts: Vec<String> = groups.iter().map(|g| list(g)).collect();
                let label = format!("partition {}", parts.join(" | "));
                self.open(at, "partition", format!("{groups:?}"), label, vec![]);
            }
            Fault::Unpartition { groups } => self.close(at, "partition", &format!("{groups:?}")),
            Fault::Heal => {
                for row in ["partition", "clog", "clients"] {
                    self.close_row(at, row);
                }
            }
            Fault::CutClients { clients, servers } => {
                let label = format!("clients {} cut from {}", list(clients), list(servers));
                let id = format!("{clients:?}{servers:?}");
                self.open(at, "clients", id, label, vec![]);
            }
            Fault::UncutClients { clients, servers } => {
                self.close(at, "clients", &format!("{clients:?}{servers:?}"))
            }
            Fault::Clog { src, dst } => {
                let label = format!("clog {src}→{dst}");
                self.open(at, "clog", format!("{src}>{dst}"), label, vec![]);
            }
            Fault::Unclog { src, dst } => self.close(at, "clog", &format!("{src}>{dst}")),
            Fault::Network {
                loss,
                min_latency_ms,
                max_latency_ms,
            } => {
                self.close_row(at, "network");
                if *loss > 0.0 || *max_latency_ms > 0 {
                    let label = format!(
                        "loss {:.0}%, extra latency {min_latency_ms}-{max_latency_ms} ms",
                        loss * 100.0
                    );
                    self.open(at, "network", String::new(), label, vec![]);
                }
            }
            Fault::Duplicate { probability } => {
                self.close_row(at, "duplicate");
                if *probability > 0.0 {
                    let label = format!("duplicate {:.0}% of messages", probability * 100.0);
                    self.open(at, "duplicate", String::new(), label, vec![]);
                }
            }
            Fault::Crash { node, torn } => self.crash(at, *node, "crash", *torn),
            Fault::PowerLoss { nodes, torn } => {
                for &node in nodes {
                    self.crash(at, node, "power loss", *torn);
                }
            }
            Fault::Restart { node } => self.close(at, "crash", &node.to_string()),
            Fault::Pause { node } => {
                if !self.is_open("crash", &node.to_string()) {
                    let label = format!("pause {node}");
                    self.open(at, "pause", node.to_string(), label, vec![*node]);
                }
            }
            Fault::Resume { node } => self.close(at, "pause", &node.to_string()),
            Fault::Drift { node, factor } => {
                self.close(at, "skew", &node.to_string());
                if *factor != 1.0 {
                    let label = format!("clock drift on {node}: ticks ×{factor:.2}");
                    self.open(at, "skew", node.to_string(), label, vec![]);
                }
            }
            Fault::TickJump { node, ticks } => {
                self.instant(at, "skew", format!("tick jump on {node}: {ticks:+} ticks"))
            }
            Fault::TransferLeadership { from, to } => {
                self.instant(at, "transfer", format!("leadership transfer {from}→{to}"))
            }
            Fault::LoadBurst { ms, read_share } => {
                let label = format!("load burst: clients read {read_share}% for {ms} ms");
                self.bands.push(FaultBand {
                    row: "load",
                    label,
                    start: at,
                    end: at + ms * 1_000_000,
                    nodes: vec![],
                });
            }
            Fault::ConfChange { via, change } => {
                let what = if change.changes.is_empty() {
                    "leave joint".to_string()
                } else {
                    change
                        .changes
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                self.instant(at, "membership", format!("conf change {what} via {via}"))
            }
        }
    }

    fn crash(&mut self, at: u64, node: u64, what: &str, torn: bool) {
        let torn = if torn { ", torn writes" } else { "" };
        let label = format!("{what} {node}{torn}");
        self.close(at, "pause", &node.to_string());
        self.open(at, "crash", node.to_string(), label, vec![node]);
    }
}

/// The bands of `schedule` (in time order), with every band still open closed at
/// `end_ns`. Faults that change nothing (restarting a server that is up, cutting a
/// link already cut) add no band.
pub fn bands(schedule: &[FaultEvent], end_ns: u64) -> Vec<FaultBand> {
    let mut b = BandBuilder::new(end_ns);
    for e in schedule {
        b.apply(e.at_ns, &e.fault);
    }
    b.bands
}

/// The intervals in which `node` was in a band of `row` (`crash`: down, `pause`:
/// frozen).
pub fn node_intervals(bands: &[FaultBand], row: &str, node: u64) -> Vec<(u64, u64)> {
    bands
        .iter()
        .filter(|b| b.row == row && b.nodes.contains(&node))
        .map(|b| (b.start, b.end))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64, fault: Fault) -> FaultEvent {
        FaultEvent {
            at_ns: ms * 1_000_000,
            fault,
        }
    }

    fn summary(bands: &[FaultBand]) -> Vec<String> {
        bands
            .iter()
            .map(|b| {
                format!(
                    "{} {}..{}ms: {}",
                    b.row,
                    b.start / 1_000_000,
                    b.end / 1_000_000,
                    b.label
                )
            })
            .collect()
    }

    #[test]
    fn cuts_last_until_undone_or_healed_and_open_ones_run_to_the_end() {
        let groups = vec![vec![1, 2], vec![3, 4, 5]];
        let schedule = vec![
            at(
                100,
                Fault::Partition {
                    groups: groups.clone(),
                },
            ),
            at(150, Fault::Clog { src: 4, dst: 3 }),
            at(200, Fault::Unpartition { groups }),
            at(300, Fault::Clog { src: 5, dst: 1 }),
            at(400, Fault::Heal),
            at(500, Fault::Clog { src: 1, dst: 2 }),
        ];
        insta::assert_debug_snapshot!(summary(&bands(&schedule, 1000 * 1_000_000)), @r#"
        [
            "partition 100..200ms: partition [1 2] | [3 4 5]",
            "clog 150..400ms: clog 4→3",
            "clog 300..400ms: clog 5→1",
            "clog 500..1000ms: clog 1→2",
        ]
        "#);
    }

    #[test]
    fn crashes_pauses_and_network_settings_become_intervals_per_node() {
        let schedule = vec![
            at(10, Fault::Pause { node: 2 }),
            at(
                20,
                Fault::Crash {
                    node: 2,
                    torn: true,
                },
            ),
            at(30, Fault::Restart { node: 2 }),
            at(30, Fault::Restart { node: 2 }),
            at(
                40,
                Fault::PowerLoss {
                    nodes: vec![1, 3],
                    torn: false,
                },
            ),
            at(
                50,
                Fault::Network {
                    loss: 0.25,
                    min_latency_ms: 0,
                    max_latency_ms: 20,
                },
            ),
            at(
                60,
                Fault::Network {
                    loss: 0.0,
                    min_latency_ms: 0,
                    max_latency_ms: 0,
                },
            ),
            at(70, Fault::Restart { node: 1 }),
            at(
                80,
                Fault::Drift {
                    node: 3,
                    factor: 1.5,
                },
            ),
            at(85, Fault::TransferLeadership { from: 4, to: 5 }),
            at(
                90,
                Fault::Drift {
                    node: 3,
                    factor: 1.0,
                },
            ),
        ];
        let b = bands(&schedule, 100 * 1_000_000);
        insta::assert_debug_snapshot!(summary(&b), @r#"
        [
            "pause 10..20ms: pause 2",
            "crash 20..30ms: crash 2, torn writes",
            "crash 40..70ms: power loss 1",
            "crash 40..100ms: power loss 3",
            "network 50..60ms: loss 25%, extra latency 0-20 ms",
            "skew 80..90ms: clock drift on 3: ticks ×1.50",
            "transfer 85..85ms: leadership transfer 4→5",
        ]
        "#);
        let ms = 1_000_000;
        assert_eq!(node_intervals(&b, "crash", 2), vec![(20 * ms, 30 * ms)]);
        assert_eq!(node_intervals(&b, "crash", 3), vec![(40 * ms, 100 * ms)]);
        assert_eq!(node_intervals(&b, "pause", 2), vec![(10 * ms, 20 * ms)]);
    }
}
