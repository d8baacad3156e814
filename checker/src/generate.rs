//! Deterministic histories of compare-and-set registers, linearizable by construction
//! or with one stale read planted: the inputs of the `scale` benchmark and of
//! `cargo run -p linsim-checker --example gen-history`.
//!
//! Each of `processes` clients runs one operation at a time on a random key: a read, a
//! write of a fresh value, or a cas from the current value (or an old one) to a fresh
//! value. Every operation takes effect at a random instant between its call and its
//! return, and its result is what the register held at that instant, so the history is
//! linearizable; a cas that found another value fails (`Outcome::Fail`), as Jepsen
//! records it. An operation may time out (`info_rate`): it then takes effect at its
//! instant or never, its client is retired and a new process takes its place, as in
//! Jepsen. `bad_at` plants one read at or after that op index returning a value that
//! was overwritten, by a write that completed, before the read was called: no
//! linearization can place it.

use crate::history::{Function, History, Operation, Outcome, Value};

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Operations in all.
    pub ops: usize,
    /// Clients running at once.
    pub processes: usize,
    /// Independent registers (1: a single register with the empty key).
    pub keys: usize,
    /// The seed: the same options give the same history.
    pub seed: u64,
    /// The share of operations whose outcome is unknown (0 to 1).
    pub info_rate: f64,
    /// Plant a stale read at the first read at or after this op index (in call order)
    /// that can be made stale.
    pub bad_at: Option<usize>,
}

impl Default for GenOptions {
    fn default() -> GenOptions {
        GenOptions {
            ops: 1000,
            processes: 5,
            keys: 1,
            seed: 0,
            info_rate: 0.0,
            bad_at: None,
        }
    }
}

/// splitmix64: a small, fast, seedable generator (the checker takes no RNG dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// One generated op before its result is known.
struct Draft {
    op: Operation,
    /// When it takes effect (`None`: never).
    at: Option<u64>,
}

/// Generates a history (see the module doc), to be checked with `cas-register`.
pub fn generate(opts: &GenOptions) -> History {
    let mut rng = Rng(opts.seed ^ 0x6c69_6e73_696d_2d67);
    let processes = opts.processes.max(1);
    let keys = opts.keys.max(1);
    let key_name = |k: usize| {
        if keys == 1 {
            String::new()
        } else {
            format!("k{k}")
        }
    };
    // Per client slot: its process id and when it is free to call again.
    let mut slots: Vec<(u64, u64)> = (0..processes as u64).map(|p| (p, p)).collect();
    let mut next_process = processes as u64;
    let mut drafts: Vec<Draft> = Vec::with_capacity(opts.ops);
    for _ in 0..opts.ops {
        // The client free first calls next (ties: the lowest slot).
        let s = (0..processes)
            .min_by_key(|&s| (slots[s].1, s))
            .expect("at least one client");
        let (process, free) = slots[s];
        let call = free + rng.below(20);
        let ret = call + 1 + rng.below(100);
        let key = key_name(rng.below(keys as u64) as usize);
        let f = match rng.below(4) {
            0 | 1 => Function::Read,
            2 => Function::Write,
            _ => Function::Cas,
        };
        let info = rng.chance(opts.info_rate);
        let at = call + rng.below(ret - call + 1);
        let at = (!info || rng.chance(0.5)).then_some(at);
        drafts.push(Draft {
            op: Operation {
                process,
                f,
                key,
                input: vec![],
                output: Value::Nil,
                call,
                ret: (!info).then_some(ret),
                outcome: if info { Outcome::Info } else { Outcome::Ok },
                node: None,
            },
            at,
        });
        if info {
            slots[s] = (next_process, ret + 1);
            next_process += 1;
        } else {
            slots[s].1 = ret + 1;
        }
    }
    // Results: apply the ops that take effect in the order of their instants.
    let mut order: Vec<usize> = (0..drafts.len())
        .filter(|&i| drafts[i].at.is_some())
        .collect();
    order.sort_by_key(|&i| (drafts[i].at, i));
    let mut values: std::collections::HashMap<String, Value> = Default::default();
    let mut fresh = 0i64;
    for i in order {
        let d = &mut drafts[i];
        let current = values.entry(d.op.key.clone()).or_insert(Value::Nil);
        match d.op.f {
            Function::Read => d.op.output = current.clone(),
            Function::Write => {
                fresh += 1;
                d.op.input = vec![Value::Int(fresh)];
                *current = Value::Int(fresh);
            }
            _ => {
                fresh += 1;
                let expected = if rng.chance(0.7) || fresh < 3 {
                    current.clone()
                } else {
                    Value::Int(1 + rng.below(fresh as u64 - 1) as i64)
                };
                let swaps = expected == *current;
                d.op.input = vec![expected, Value::Int(fresh)];
                d.op.output = Value::Bool(swaps);
                if swaps {
                    *current = Value::Int(fresh);
                } else if d.op.outcome == Outcome::Ok {
                    // As Jepsen records it: a cas that did not swap failed.
                    d.op.outcome = Outcome::Fail;
                    d.op.output = Value::Nil;
                }
            }
        }
    }
    // Ops that never take effect still need arguments.
    for d in drafts.iter_mut().filter(|d| d.at.is_none()) {
        match d.op.f {
            Function::Write => {
                fresh += 1;
                d.op.input = vec![Value::Int(fresh)];
            }
            Function::Cas => {
                fresh += 1;
                d.op.input = vec![Value::Int(fresh), Value::Int(fresh + 1)];
                fresh += 1;
            }
            _ => {}
        }
    }
    let mut ops: Vec<Operation> = drafts.into_iter().map(|d| d.op).collect();
    ops.sort_by_key(|o| o.call);
    if let Some(at) = opts.bad_at {
        plant_stale_read(&mut ops, at);
    }
    History {
        model: Some("cas-register".to_string()),
        ..History::new(ops)
    }
}

/// Makes the first completed read at or after `at` (ops in call order) return a value
/// that a completed write overwrote before the read was called: the value of a write
/// w1 that returned before another write w2 of the same key was called, w2 returning
/// before the read's call. Values are unique, so nothing else wrote it.
fn plant_stale_read(ops: &mut [Operation], at: usize) {
    // Per key, the last two completed plain writes in return order, as seen from each
    // read: (value of w1, return of w1) and w2, found by a scan over returns.
    let mut by_ret: Vec<usize> = (0..ops.len())
        .filter(|&i| ops[i].f == Function::Write && ops[i].outcome == Outcome::Ok)
        .collect();
    by_ret.sort_by_key(|&i| ops[i].ret);
    for r in at..ops.len() {
        let read = &ops[r];
        if read.f != Function::Read || read.outcome != Outcome::Ok {
            continue;
        }
        // Writes of this key returned before the read's call, latest first.
        let done: Vec<usize> = by_ret
            .iter()
            .copied()
            .filter(|&w| ops[w].key == read.key && ops[w].ret < Some(read.call))
            .collect();
        // w2: the latest such write; w1: one that returned before w2 was called.
        let Some(&w2) = done.last() else { continue };
        let stale = done
            .iter()
            .rev()
            .find(|&&w1| ops[w1].ret < Some(ops[w2].call))
            .map(|&w1| ops[w1].input[0].clone());
        if let Some(v) = stale.filter(|v| *v != ops[r].output) {
            ops[r].output = v;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{check, CheckOptions, RegisterModel, Verdict};

    #[test]
    fn generated_histories_are_deterministic_and_linearizable_unless_planted() {
        for (info_rate, keys) in [(0.0, 1), (0.05, 1), (0.02, 3)] {
            let opts = GenOptions {
                ops: 3000,
                keys,
                info_rate,
                seed: 7,
                ..GenOptions::default()
            };
            let h = generate(&opts);
            assert_eq!(h, generate(&opts));
            assert_eq!(h.ops.len(), 3000);
            let model = RegisterModel::cas_register();
            let r = check(&model, &h, &CheckOptions::default()).unwrap();
            assert_eq!(r.verdict, Verdict::Ok, "info {info_rate} keys {keys}");
            let bad = generate(&GenOptions {
                bad_at: Some(2900),
                ..opts
            });
            let r = check(&model, &bad, &CheckOptions::default()).unwrap();
            assert_eq!(r.verdict, Verdict::Illegal, "info {info_rate} keys {keys}");
        }
    }
}
