//! A panic inside a simulated run is a finding (`no-panic`), reported with the virtual
//! time the run reached, not as a run of no time at all.

mod support;

use linsim_checker::{Function, Value};
use linsim_sim::{ClientOp, OpMix, Scenario, Workload};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;
use support::*;

/// Reads, and now and then an append of a number, which the kv model takes (as text)
/// but linsim-kv's client does not: it panics.
struct Malformed;

impl Workload for Malformed {
    fn name(&self) -> &str {
        "malformed"
    }
    fn model(&self) -> &'static str {
        "kv"
    }
    fn next_op(&self, rng: &mut StdRng, _mix: OpMix) -> ClientOp {
        let key = "k".to_string();
        if rng.random_bool(0.01) {
            let input = vec![Value::Int(1)];
            ClientOp {
                f: Function::Append,
                key,
                input,
            }
        } else {
            ClientOp {
                f: Function::Read,
                key,
                input: vec![],
            }
        }
    }
}

#[test]
fn a_run_that_panics_reports_the_virtual_time_it_reached() {
    let mut sc: Scenario = scenario(Kind::None);
    sc.workload = Arc::new(Malformed);
    let r = linsim_sim::run_seed(&sc, 1);
    assert_eq!(r.failures[0].check, "no-panic", "{:?}", r.failures);
    assert!(r.stats.virtual_ms > 0, "{:?}", r.stats);
}
