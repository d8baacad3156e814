//! The examples of docs/extending.md, compiled and run: a workload, a nemesis written
//! against the `Faults` API, both registered by name. The doc quotes this file's code
//! blocks verbatim (checked at the end), so it cannot drift from code that works.

use linsim_checker::{Function, Value};
use linsim_sim::{ClientOp, Fault, Faults, Nemesis, NemesisFuture, OpMix, Scenario, Workload};
use linsim_workloads::registry::{NemesisEntry, WorkloadEntry};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;

// docs: workload
/// One register, `x`: reads (as the load's mix says) and writes of 0, 1 or 2.
pub struct TinyRegister;

impl Workload for TinyRegister {
    fn name(&self) -> &str {
        "tiny-register"
    }
    fn model(&self) -> &'static str {
        "cas-register"
    }
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        let key = "x".to_string();
        if mix.read(rng) {
            return ClientOp {
                f: Function::Read,
                key,
                input: vec![],
            };
        }
        let v = Value::Int(rng.random_range(0..3));
        ClientOp {
            f: Function::Write,
            key,
            input: vec![v],
        }
    }
}

inventory::submit! {
    WorkloadEntry {
        name: "tiny-register",
        description: "reads and writes of one register",
        make: || Arc::new(TinyRegister),
    }
}
// docs: end

// docs: nemesis
/// Every 0.5-2 s, cuts one direction of one link between two servers for 0.2-1 s;
/// sometimes pauses a server meanwhile. Written with the `Faults` API directly.
pub struct FlakyLink;

impl Nemesis for FlakyLink {
    fn name(&self) -> &str {
        "flaky-link"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(async move {
            let quiet = |rng: &mut StdRng| Duration::from_millis(rng.random_range(500..2000));
            // `sleep` returns false once the workload phase is over: stop then.
            while faults.sleep(quiet(rng) * faults.quiet_scale() as u32).await {
                let nodes = faults.nodes();
                let src = nodes[rng.random_range(0..nodes.len())];
                let dst = nodes[rng.random_range(0..nodes.len())];
                if src != dst {
                    faults.apply(Fault::Clog { src, dst });
                }
                let paused = rng
                    .random_bool(0.3)
                    .then(|| nodes[rng.random_range(0..nodes.len())]);
                if let Some(node) = paused {
                    faults.apply(Fault::Pause { node });
                }
                let held = faults
                    .sleep(Duration::from_millis(rng.random_range(200..1000)))
                    .await;
                // Undo what this round did (unless the phase ended: the run heals).
                if held {
                    if src != dst {
                        faults.apply(Fault::Unclog { src, dst });
                    }
                    if let Some(node) = paused {
                        faults.apply(Fault::Resume { node });
                    }
                }
            }
        })
    }
}

inventory::submit! {
    NemesisEntry {
        name: "flaky-link",
        description: "one-way link cuts, sometimes with a paused server",
        make: || Arc::new(FlakyLink),
        in_all: false,
    }
}
// docs: end

#[test]
fn the_examples_register_by_name_and_a_sweep_of_them_passes() {
    let workload = linsim_workloads::workload("tiny-register").unwrap();
    let nemesis = linsim_workloads::nemesis("flaky-link,crash").unwrap();
    let mut sc = Scenario::new(Arc::new(linsim_kv::LinsimKv), workload, nemesis);
    sc.duration = Duration::from_secs(4);
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 0..6 {
        let r = linsim_sim::run_seed(&sc, seed);
        assert_eq!(
            r.verdict,
            linsim_sim::Verdict::Pass,
            "seed {seed}: {:?}",
            r.reason
        );
        assert!(r.stats.ops_ok > 50, "seed {seed}: {:?}", r.stats);
        for e in &r.faults {
            kinds.insert(serde_json::to_value(&e.fault).unwrap()["fault"].to_string());
        }
    }
    for kind in ["\"clog\"", "\"unclog\"", "\"pause\"", "\"crash\""] {
        assert!(kinds.contains(kind), "no seed injected {kind}: {kinds:?}");
    }
}

#[test]
fn docs_extending_quotes_these_examples_verbatim() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let doc = std::fs::read_to_string(root.join("docs/extending.md")).unwrap();
    let this = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/extending.rs"),
    )
    .unwrap();
    for part in ["workload", "nemesis"] {
        let start = this.find(&format!("// docs: {part}\n")).unwrap();
        let body = &this[start..];
        let body = &body[body.find('\n').unwrap() + 1..body.find("// docs: end").unwrap()];
        assert!(
            doc.contains(&format!("```rust\n{body}```")),
            "docs/extending.md does not quote the {part} example of workloads/tests/extending.rs verbatim"
        );
    }
}
