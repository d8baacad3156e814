//! A small workload and nemeses for the simulator's own tests (the named, registered
//! ones live in linsim-workloads).
#![allow(dead_code)]

use linsim_checker::{Function, Value};
use linsim_sim::{ClientOp, Fault, Faults, Nemesis, NemesisFuture, OpMix, Scenario, Workload};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

/// get / put / append over three keys (append values drawn from a million).
pub struct SmallKv;

impl Workload for SmallKv {
    fn name(&self) -> &str {
        "small-kv"
    }
    fn model(&self) -> &'static str {
        "kv"
    }
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        let key = format!("k{}", rng.random_range(0..3));
        if mix.read(rng) {
            return ClientOp {
                f: Function::Read,
                key,
                input: vec![],
            };
        }
        match rng.random_range(0..2) {
            0 => ClientOp {
                f: Function::Write,
                key,
                input: vec![Value::Str(format!("w{}", rng.random_range(0..1000)))],
            },
            _ => ClientOp {
                f: Function::Append,
                key,
                input: vec![Value::Str(format!("a{} ", rng.random_range(0..1_000_000)))],
            },
        }
    }
}

/// Every fault primitive the test nemesis can inject.
pub const EVERY: [&str; 7] = [
    "partition",
    "crash",
    "clog",
    "loss",
    "duplicate",
    "pause",
    "skew",
];

/// Which faults a test nemesis injects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// No faults.
    None,
    /// Random partitions and crash-restarts.
    PartitionAndCrash,
    /// One primitive only.
    Only(&'static str),
    /// A random primitive of `EVERY` each round.
    Every,
}

/// Alternates a random fault and a heal every 0.2-1 s.
pub struct TestNemesis(pub Kind);

impl Nemesis for TestNemesis {
    fn name(&self) -> &str {
        "test"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(async move {
            if self.0 == Kind::None {
                return;
            }
            loop {
                if !faults
                    .sleep(Duration::from_millis(rng.random_range(200..1000)))
                    .await
                {
                    return;
                }
                let nodes = faults.nodes();
                let kind = match self.0 {
                    Kind::Only(k) => k,
                    Kind::Every => EVERY[rng.random_range(0..EVERY.len())],
                    _ => ["partition", "crash"][rng.random_range(0..2)],
                };
                let victim = nodes[rng.random_range(0..nodes.len())];
                match kind {
                    "partition" => {
                        let mut shuffled = nodes.clone();
                        for i in (1..shuffled.len()).rev() {
                            shuffled.swap(i, rng.random_range(0..=i));
                        }
                        let cut = rng.random_range(1..shuffled.len());
                        faults.apply(Fault::Partition {
                            groups: vec![shuffled[..cut].to_vec(), shuffled[cut..].to_vec()],
                        });
                    }
                    "crash" => faults.apply(Fault::Crash {
                        node: victim,
                        torn: rng.random_bool(0.5),
                    }),
                    "isolate-leader" => {
                        let Some(leader) = faults.leader() else {
                            continue;
                        };
                        let rest: Vec<u64> =
                            nodes.iter().copied().filter(|&n| n != leader).collect();
                        faults.apply(Fault::Partition {
                            groups: vec![vec![leader], rest],
                        });
                        // Long enough that clients time out and find the new leader.
                        if !faults
                            .sleep(Duration::from_millis(rng.random_range(1500..3000)))
                            .await
                        {
                            return;
                        }
                    }
                    "clog" => {
                        let other = nodes[rng.random_range(0..nodes.len())];
                        if other != victim {
                            faults.apply(Fault::Clog {
                                src: victim,
                                dst: other,
                            });
                        }
                    }
                    "loss" => faults.apply(Fault::Network {
                        loss: 0.2,
                        min_latency_ms: 0,
                        max_latency_ms: 30,
                    }),
                    "duplicate" => faults.apply(Fault::Duplicate { probability: 0.3 }),
                    "pause" => faults.apply(Fault::Pause { node: victim }),
                    "skew" => {
                        faults.apply(Fault::Drift {
                            node: victim,
                            factor: rng.random_range(0.5..2.0),
                        });
                        faults.apply(Fault::TickJump {
                            node: victim,
                            ticks: rng.random_range(-5..10),
                        });
                    }
                    other => panic!("unknown test fault {other}"),
                }
                if !faults
                    .sleep(Duration::from_millis(rng.random_range(200..1000)))
                    .await
                {
                    return;
                }
                faults.heal_all();
            }
        })
    }
}

/// The default scenario with the small kv workload and the given faults, on linsim's
/// own Raft KV service (the framework's tests need a system to run).
pub fn scenario(kind: Kind) -> Scenario {
    let mut sc = Scenario::new(
        Arc::new(linsim_kv::LinsimKv),
        Arc::new(SmallKv),
        Arc::new(TestNemesis(kind)),
    );
    // The simulator's own tests and the seeds bench run five clients whatever the
    // seed draws (the bench compares like with like across changes).
    sc.clients = Some(5);
    sc
}
