//! Brute-force linearizability, for the oracles: every order of the ops that respects
//! real time, takes every required op and any of the optional ones.

/// One op for the brute force: when it starts and ends (`None`: never returned), and
/// whether it must take effect (completed) or may (unknown outcome).
pub struct Op<T> {
    pub start: u64,
    pub end: Option<u64>,
    pub required: bool,
    /// Ops that must take effect before it, whatever the times (a completed op of its
    /// process that returned at the instant it was called).
    pub after: Vec<usize>,
    pub what: T,
}

/// Whether some order of a subset of `ops` holding every required op, in which no op
/// goes before one that ended before it started, takes `init` through `step` (`None`:
/// the op cannot happen in that state).
pub fn linearizable<T, S: Clone>(
    ops: &[Op<T>],
    init: S,
    step: &dyn Fn(&S, &T) -> Option<S>,
) -> bool {
    fn go<T, S: Clone>(
        ops: &[Op<T>],
        used: &mut Vec<bool>,
        state: S,
        step: &dyn Fn(&S, &T) -> Option<S>,
    ) -> bool {
        if (0..ops.len()).all(|i| used[i] || !ops[i].required) {
            return true;
        }
        for i in 0..ops.len() {
            if used[i] {
                continue;
            }
            let blocked = (0..ops.len())
                .any(|j| !used[j] && j != i && ops[j].end.is_some_and(|e| e < ops[i].start))
                || ops[i].after.iter().any(|&j| !used[j]);
            if blocked {
                continue;
            }
            if let Some(next) = step(&state, &ops[i].what) {
                used[i] = true;
                if go(ops, used, next, step) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    let mut used = vec![false; ops.len()];
    go(ops, &mut used, init, step)
}
