//! Every bug of the zoo is caught: a known failing seed of each, replayed through the
//! CLI exactly as `linsim bugs` prints its repro line, fails with the named check. A
//! change that blinds linsim to any zoo bug fails here. (The seeds are the first ones
//! of `linsim bugs --seeds 0..500` where the zoo's check fires first: for
//! no-truncate-conflict and heartbeat-commit-unbounded, state-machine-safety fires
//! first at seed 0.)

mod common;
use common::linsim;

/// (bug, its first failing seed, the check that fires first).
const KNOWN: &[(&str, u64, &str)] = &[
    ("commit-earlier-term", 3, "leader-commits-own-term"),
    ("vote-stale-log", 5, "leader-completeness"),
    ("vote-twice", 0, "vote-once"),
    ("no-truncate-conflict", 11, "log-matching"),
    ("heartbeat-commit-unbounded", 1, "no-panic"),
    ("accept-stale-append", 167, "state-machine-safety"),
    ("probe-stuck", 1, "liveness"),
    ("ack-before-fsync", 0, "durable-before-send"),
    ("unsynced-vote", 0, "durable-before-send"),
    ("lying-fsync", 0, "durable-before-send"),
    ("restart-forgets-vote", 0, "vote-once"),
    ("apply-before-commit", 0, "state-machine-safety"),
    ("session-reapply", 4, "linearizable"),
    ("respond-on-propose", 2, "linearizable"),
    ("stale-local-reads", 40, "linearizable"),
    ("read-index-before-term-commit", 130, "linearizable"),
    ("read-index-without-quorum", 22, "linearizable"),
    ("snapshot-drops-sessions", 11, "state-machine-safety"),
    ("conf-change-without-joint", 1, "config-overlap"),
    ("snapshot-drops-joint-config", 1, "state-machine-safety"),
    ("learner-counts-in-quorum", 23, "leader-completeness"),
    ("ack-before-append", 0, "durable-before-send"),
    ("apply-before-durable", 0, "durable-before-apply"),
];

/// The `linsim run` arguments of `bug`'s repro line for `seed`.
fn repro_args(bug: &linsim_sim::ZooBug, seed: u64) -> Vec<String> {
    let mut args: Vec<String> = ["run", "--json", "--seed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(seed.to_string());
    for (flag, value) in [("--workload", bug.workload), ("--nemesis", bug.nemesis)] {
        args.push(flag.to_string());
        args.push(value.to_string());
    }
    for knob in bug.knobs {
        args.push("--knob".to_string());
        args.push(knob.to_string());
    }
    if let Some(v) = bug.voters {
        args.push("--voters".to_string());
        args.push(v.to_string());
    }
    args.push("--bug".to_string());
    args.push(bug.name.to_string());
    args
}

fn run(args: &[String]) -> (i32, serde_json::Value) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = linsim(&args);
    let v = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v)
}

#[test]
fn the_table_covers_every_bug_of_the_zoo() {
    let zoo: Vec<&str> = linsim_sim::ZOO.iter().map(|b| b.name).collect();
    let known: Vec<&str> = KNOWN.iter().map(|k| k.0).collect();
    assert_eq!(zoo, known);
    assert!(zoo.len() >= 14);
}

#[test]
fn every_zoo_bug_fails_its_known_seed_with_its_check() {
    for &(name, seed, check) in KNOWN {
        let bug = linsim_sim::zoo::bug(name).unwrap();
        assert_eq!(
            bug.check, check,
            "{name}: the zoo names the check that fires"
        );
        let (code, v) = run(&repro_args(bug, seed));
        assert_eq!(code, 1, "{name} seed {seed}: {v}");
        assert_eq!(v["failures"][0]["check"], check, "{name} seed {seed}: {v}");
        let repro = v["repro"].as_str().unwrap();
        assert!(repro.contains(&format!("--bug {name}")), "{repro}");
    }
}

#[test]
fn a_bug_repro_line_reproduces_the_same_hashes() {
    for name in ["stale-local-reads", "session-reapply"] {
        let &(_, seed, _) = KNOWN.iter().find(|k| k.0 == name).unwrap();
        let bug = linsim_sim::zoo::bug(name).unwrap();
        let (_, a) = run(&repro_args(bug, seed));
        // Run again from the printed repro line itself.
        let line = a["repro"].as_str().unwrap().to_string();
        let mut args: Vec<String> = line.split_whitespace().skip(1).map(String::from).collect();
        args.insert(1, "--json".to_string());
        let (_, b) = run(&args);
        assert_eq!(a["history_hash"], b["history_hash"], "{line}");
        assert_eq!(a["trace_hash"], b["trace_hash"], "{line}");
        assert_eq!(a["failures"], b["failures"], "{line}");
    }
}

#[test]
fn without_bugs_the_same_seeds_pass() {
    for &(name, seed, _) in KNOWN
        .iter()
        .filter(|k| k.0.starts_with("stale") || k.0.starts_with("commit"))
    {
        let bug = linsim_sim::zoo::bug(name).unwrap();
        let mut args = repro_args(bug, seed);
        args.truncate(args.len() - 2);
        let (code, v) = run(&args);
        assert_eq!(code, 0, "{name} seed {seed} without the bug: {v}");
    }
}
