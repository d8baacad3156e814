//! Every bug of the zoo is caught, through the CLI exactly as `linsim bugs` prints its
//! repro lines: a known failing seed of each, in its tailored scenario and under the
//! defaults a user runs (`--nemesis all`, knobs drawn, each workload), fails with the
//! named check. A change that blinds linsim to any zoo bug fails here. The seeds are
//! the first failing ones of `linsim bugs --seeds 0..500 --json` and
//! `linsim bugs --defaults --seeds 0..300 --json`; docs/bug-zoo.md is generated from
//! the same output (ci/zoo-doc.py) and must list exactly these.

mod common;
use common::linsim;

/// (bug, its first failing seed in its tailored scenario, the check that fires first).
const KNOWN: &[(&str, u64, &str)] = &[
    ("commit-earlier-term", 3, "leader-commits-own-term"),
    ("vote-stale-log", 0, "leader-completeness"),
    ("vote-twice", 0, "vote-once"),
    ("no-truncate-conflict", 1, "state-machine-safety"),
    ("heartbeat-commit-unbounded", 0, "no-panic"),
    ("accept-stale-append", 6, "state-machine-safety"),
    ("probe-stuck", 1, "liveness"),
    ("ack-before-fsync", 0, "durable-before-send"),
    ("unsynced-vote", 0, "durable-before-send"),
    ("lying-fsync", 0, "durable-before-send"),
    ("restart-forgets-vote", 0, "vote-once"),
    ("apply-before-commit", 0, "state-machine-safety"),
    ("session-reapply", 13, "linearizable"),
    ("respond-on-propose", 0, "linearizable"),
    ("stale-local-reads", 0, "read-index"),
    ("read-index-before-term-commit", 0, "read-index"),
    ("read-index-without-quorum", 0, "read-index"),
    ("snapshot-drops-sessions", 4, "state-machine-safety"),
    ("conf-change-without-joint", 1, "config-overlap"),
    ("snapshot-drops-joint-config", 0, "config-prefix"),
    ("learner-counts-in-quorum", 13, "commit-quorum"),
    ("ack-before-append", 0, "durable-before-send"),
    ("apply-before-durable", 0, "durable-before-apply"),
    ("async-auto-leave-missed", 1, "joint-config-progress"),
    ("joint-commit-incoming-only", 0, "commit-quorum"),
    ("snapshot-keeps-old-learners", 3, "config-prefix"),
    ("follower-read-own-commit", 0, "read-index"),
    ("read-before-apply", 3, "read-index"),
    ("confirmed-reads-overwritten", 0, "read-progress"),
    ("compact-past-applied", 0, "compaction"),
    ("transfer-never-aborts", 1, "transfer-progress"),
];

/// (bug, workload, its first failing seed under the defaults, the check that fires
/// first).
const KNOWN_DEFAULTS: &[(&str, &str, u64, &str)] = &[
    (
        "commit-earlier-term",
        "register",
        3,
        "leader-commits-own-term",
    ),
    ("commit-earlier-term", "kv", 3, "leader-commits-own-term"),
    ("vote-stale-log", "register", 0, "leader-completeness"),
    ("vote-stale-log", "kv", 0, "leader-completeness"),
    ("vote-twice", "register", 0, "vote-once"),
    ("vote-twice", "kv", 0, "vote-once"),
    ("no-truncate-conflict", "register", 0, "commit-quorum"),
    ("no-truncate-conflict", "kv", 0, "state-machine-safety"),
    ("heartbeat-commit-unbounded", "register", 0, "no-panic"),
    ("heartbeat-commit-unbounded", "kv", 0, "no-panic"),
    ("accept-stale-append", "register", 62, "durable-before-send"),
    ("accept-stale-append", "kv", 62, "leader-commits-own-term"),
    ("probe-stuck", "register", 0, "liveness"),
    ("probe-stuck", "kv", 0, "liveness"),
    ("ack-before-fsync", "register", 0, "durable-before-send"),
    ("ack-before-fsync", "kv", 0, "durable-before-send"),
    ("unsynced-vote", "register", 0, "durable-before-send"),
    ("unsynced-vote", "kv", 0, "durable-before-send"),
    ("lying-fsync", "register", 0, "durable-before-send"),
    ("lying-fsync", "kv", 0, "durable-before-send"),
    ("restart-forgets-vote", "register", 6, "vote-once"),
    ("restart-forgets-vote", "kv", 5, "vote-once"),
    ("apply-before-commit", "register", 0, "apply-order"),
    ("apply-before-commit", "kv", 0, "apply-order"),
    ("session-reapply", "register", 9, "linearizable"),
    ("session-reapply", "kv", 1, "linearizable"),
    ("respond-on-propose", "register", 0, "linearizable"),
    ("respond-on-propose", "kv", 2, "linearizable"),
    ("stale-local-reads", "register", 0, "read-index"),
    ("stale-local-reads", "kv", 2, "read-index"),
    (
        "read-index-before-term-commit",
        "register",
        12,
        "read-index",
    ),
    ("read-index-before-term-commit", "kv", 12, "read-index"),
    ("read-index-without-quorum", "register", 13, "read-index"),
    ("read-index-without-quorum", "kv", 13, "read-index"),
    (
        "snapshot-drops-sessions",
        "register",
        29,
        "state-machine-safety",
    ),
    ("snapshot-drops-sessions", "kv", 16, "state-machine-safety"),
    ("conf-change-without-joint", "register", 5, "config-overlap"),
    ("conf-change-without-joint", "kv", 3, "config-overlap"),
    (
        "snapshot-drops-joint-config",
        "register",
        3,
        "config-prefix",
    ),
    ("snapshot-drops-joint-config", "kv", 1, "config-prefix"),
    ("learner-counts-in-quorum", "register", 0, "commit-quorum"),
    ("learner-counts-in-quorum", "kv", 0, "commit-quorum"),
    ("ack-before-append", "register", 2, "durable-before-send"),
    ("ack-before-append", "kv", 2, "durable-before-send"),
    (
        "apply-before-durable",
        "register",
        2,
        "durable-before-apply",
    ),
    ("apply-before-durable", "kv", 2, "durable-before-apply"),
    (
        "async-auto-leave-missed",
        "register",
        3,
        "joint-config-progress",
    ),
    ("async-auto-leave-missed", "kv", 2, "joint-config-progress"),
    ("joint-commit-incoming-only", "register", 5, "commit-quorum"),
    ("joint-commit-incoming-only", "kv", 4, "commit-quorum"),
    (
        "snapshot-keeps-old-learners",
        "register",
        4,
        "config-prefix",
    ),
    ("snapshot-keeps-old-learners", "kv", 1, "config-prefix"),
    ("follower-read-own-commit", "register", 6, "read-index"),
    ("follower-read-own-commit", "kv", 6, "read-index"),
    ("read-before-apply", "register", 6, "read-index"),
    ("read-before-apply", "kv", 6, "read-index"),
    (
        "confirmed-reads-overwritten",
        "register",
        14,
        "read-progress",
    ),
    ("confirmed-reads-overwritten", "kv", 12, "read-progress"),
    ("compact-past-applied", "register", 10, "compaction"),
    ("compact-past-applied", "kv", 0, "compaction"),
    ("transfer-never-aborts", "register", 5, "transfer-progress"),
    ("transfer-never-aborts", "kv", 5, "transfer-progress"),
];

/// The `linsim run` arguments of `bug`'s repro line for `seed`.
fn repro_args(bug: &linsim_kv::zoo::ZooBug, seed: u64) -> Vec<String> {
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
    let zoo: Vec<&str> = linsim_kv::zoo::ZOO.iter().map(|b| b.name).collect();
    let known: Vec<&str> = KNOWN.iter().map(|k| k.0).collect();
    assert_eq!(zoo, known);
    assert!(zoo.len() >= 14);
}

#[test]
fn every_zoo_bug_fails_its_known_seed_with_its_check() {
    for &(name, seed, check) in KNOWN {
        let bug = linsim_kv::zoo::bug(name).unwrap();
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
fn every_zoo_bug_fails_its_known_seed_under_the_defaults() {
    for &(name, workload, seed, check) in KNOWN_DEFAULTS {
        let args: Vec<String> = [
            "run",
            "--json",
            "--seed",
            &seed.to_string(),
            "--workload",
            workload,
            "--bug",
            name,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (code, v) = run(&args);
        assert_eq!(code, 1, "{name} {workload} seed {seed}: {v}");
        assert_eq!(
            v["failures"][0]["check"], check,
            "{name} {workload} seed {seed}: {v}"
        );
    }
    let zoo: Vec<&str> = linsim_kv::zoo::ZOO.iter().map(|b| b.name).collect();
    for name in zoo {
        for &workload in linsim_workloads::ZOO_MEASURED_WORKLOADS {
            assert!(
                KNOWN_DEFAULTS
                    .iter()
                    .any(|k| k.0 == name && k.1 == workload),
                "{name} has no known failing seed on {} under the defaults",
                workload
            );
        }
    }
}

#[test]
fn the_zoo_document_lists_the_seeds_and_checks_replayed_here() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/bug-zoo.md")).unwrap();
    for &(name, seed, check) in KNOWN {
        let row = format!("| `{name}` |");
        let line = doc
            .lines()
            .filter(|l| l.starts_with(&row))
            .nth(1)
            .unwrap_or_else(|| panic!("{name} has no row in the tailored table"));
        assert!(
            line.contains(&format!("| {seed} | `{check}` |")),
            "docs/bug-zoo.md is stale for {name} (regenerate it with ci/zoo-doc.py): {line}"
        );
    }
    for &(name, workload, seed, check) in KNOWN_DEFAULTS {
        let line = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("{name} has no row under the defaults"));
        assert!(
            line.contains(&format!("{seed}, `{check}`")),
            "docs/bug-zoo.md is stale for {name} on {workload} (regenerate it with ci/zoo-doc.py): {line}"
        );
    }
    // The summary: found, median and maximum seeds to the first failure.
    let per_bug: Vec<u64> = linsim_kv::zoo::ZOO
        .iter()
        .map(|b| {
            KNOWN_DEFAULTS
                .iter()
                .filter(|k| k.0 == b.name)
                .map(|k| k.2 + 1)
                .max()
                .unwrap()
        })
        .collect();
    let mut sorted = per_bug.clone();
    sorted.sort_unstable();
    let (median, max) = (sorted[sorted.len() / 2], sorted[sorted.len() - 1]);
    let n = per_bug.len();
    let summary = format!(
        "`linsim bugs --defaults --seeds 0..300 --json`: {n} of {n} bugs found\non every workload; seeds to the first failure (the most any workload took): median\n{median}, maximum {max}."
    );
    assert!(
        doc.contains(&summary),
        "docs/bug-zoo.md summary is stale: {summary}"
    );
}

#[test]
fn a_bug_repro_line_reproduces_the_same_hashes() {
    for name in ["stale-local-reads", "session-reapply"] {
        let &(_, seed, _) = KNOWN.iter().find(|k| k.0 == name).unwrap();
        let bug = linsim_kv::zoo::bug(name).unwrap();
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
        let bug = linsim_kv::zoo::bug(name).unwrap();
        let mut args = repro_args(bug, seed);
        args.truncate(args.len() - 2);
        let (code, v) = run(&args);
        assert_eq!(code, 0, "{name} seed {seed} without the bug: {v}");
    }
}
