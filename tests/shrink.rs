//! `linsim shrink`: a failing seed shrinks to a small run that still fails with the
//! same check, replays exactly, and never turns into a pass or another failure.

mod common;
use common::linsim;
use linsim_sim::shrink::{first_check, shrink, ShrinkOptions};
use linsim_sim::{run_seed, Scenario};

/// The scenario `linsim bugs` uses for zoo bug `name` (its workload, nemesis, knobs).
fn bug_scenario(name: &str) -> Scenario {
    let bug = linsim_kv::zoo::bug(name).unwrap();
    let mut sc = Scenario::new(
        std::sync::Arc::new(linsim_kv::LinsimKv),
        linsim_workloads::workload(bug.workload).unwrap(),
        linsim_workloads::nemesis(bug.nemesis).unwrap(),
    );
    for knob in bug.knobs {
        sc.knobs.fix_pair(knob).unwrap();
    }
    if let Some(v) = bug.voters {
        sc.voters = v;
    }
    sc.add_bug(name).unwrap();
    sc
}

const OPTS: ShrinkOptions = ShrinkOptions {
    budget: 150,
    jobs: 2,
};

#[test]
fn a_lost_write_shrinks_to_a_recorded_minimal_schedule() {
    let sc = bug_scenario("respond-on-propose");
    // Seed 2 is the zoo's first failing seed for this bug (tests/zoo.rs).
    let s = shrink(&sc, 2, &OPTS, |_| {}).unwrap();
    assert_eq!(s.check, "linearizable");
    assert!(s.after.events.len() <= 5, "{:?}", s.after.events);
    let ops = s.report.history.ops.len();
    assert!(ops < s.original.history.ops.len() / 2, "ops {ops}");
    let min = s
        .minimal_history
        .as_ref()
        .expect("a linearizability failure");
    assert!(
        min.ops.len() <= ops,
        "the minimal history is no larger: {}",
        min.ops.len()
    );
    let mut text = format!(
        "nodes {} clients {} duration {:?} client_ops {:?}\n",
        s.after.nodes, s.after.clients, s.after.duration, s.after.client_ops
    );
    for e in &s.after.events {
        text.push_str(&format!("{:>12} {}\n", e.at_ns, e.fault));
    }
    insta::assert_snapshot!(text);
}

#[test]
fn a_stale_read_shrinks_to_one_fault_and_a_few_ops() {
    // The read-index check names the stale answer itself, so the smallest run that
    // still fails needs no second read to contradict it.
    let sc = bug_scenario("stale-local-reads");
    let s = shrink(&sc, 0, &OPTS, |_| {}).unwrap();
    assert_eq!(s.check, "read-index");
    assert!(s.after.events.len() <= 2, "{:?}", s.after.events);
    assert!(
        s.report.history.ops.len() <= 10,
        "{}",
        s.report.history.ops.len()
    );
    assert!(s.after.nodes <= 3 && s.after.clients <= 2, "{:?}", s.after);
}

#[test]
fn shrinking_never_returns_a_run_that_passes_or_fails_with_another_check() {
    for (name, seed) in [
        ("ack-before-fsync", 0),
        ("probe-stuck", 1),
        ("respond-on-propose", 2),
    ] {
        let sc = bug_scenario(name);
        let s = shrink(&sc, seed, &OPTS, |_| {}).unwrap();
        let original = first_check(&s.original).unwrap();
        assert_eq!(s.check, original, "{name}");
        let again = run_seed(&s.after.scenario(&sc), seed);
        assert_eq!(
            first_check(&again).as_deref(),
            Some(original.as_str()),
            "{name}"
        );
        assert_eq!(
            again.history_hash, s.report.history_hash,
            "{name}: replays exactly"
        );
        assert_eq!(
            again.trace_hash, s.report.trace_hash,
            "{name}: replays exactly"
        );
        assert!(s.after.events.len() <= s.before.events.len());
        assert!(s.after.clients <= s.before.clients && s.after.duration <= s.before.duration);
        // Never a larger run reported as smaller: by ops, then faults, then time.
        let size =
            |r: &linsim_sim::RunReport| (r.history.ops.len(), r.stats.faults, r.stats.virtual_ms);
        assert!(
            size(&s.report) <= size(&s.original),
            "{name}: {:?} is larger than {:?}",
            size(&s.report),
            size(&s.original)
        );
    }
}

#[test]
fn a_passing_seed_has_nothing_to_shrink() {
    let mut sc = bug_scenario("respond-on-propose");
    sc.bugs = Default::default();
    assert!(shrink(&sc, 2, &OPTS, |_| {}).is_err());
}

#[test]
fn the_shrink_command_prints_a_repro_line_that_replays_the_shrunk_run() {
    let out_dir = std::env::temp_dir().join(format!("linsim-shrink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = out_dir.to_str().unwrap();
    let (code, stdout, err) = linsim(&[
        "shrink",
        "--seed",
        "2",
        "--workload",
        "register",
        "--nemesis",
        "partition-leader",
        "--bug",
        "respond-on-propose",
        "--budget",
        "80",
        "--json",
        "--out",
        out,
    ]);
    assert_eq!(code, 1, "{stdout}\n{err}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["same_check"], true, "{v}");
    assert_eq!(v["check"], "linearizable");
    assert!(v["faults_after"].as_u64() <= v["faults_before"].as_u64());
    let repro = v["repro"].as_str().unwrap();
    assert!(
        repro.contains("--bug respond-on-propose") && repro.contains("--schedule"),
        "{repro}"
    );
    let mut args: Vec<&str> = repro.split_whitespace().skip(1).collect();
    args.insert(1, "--json");
    let (code, replay, _) = linsim(&args);
    assert_eq!(code, 1, "{replay}");
    let replay: serde_json::Value = serde_json::from_str(replay.trim()).unwrap();
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("result.json")).unwrap())
            .unwrap();
    for hash in ["history_hash", "trace_hash"] {
        assert_eq!(
            replay[hash].as_str().unwrap(),
            format!("{:016x}", result[hash].as_u64().unwrap()),
            "{hash}"
        );
    }
    assert!(out_dir.join("history.min.json").exists());
    assert!(out_dir.join("history.min.edn").exists());
}

#[test]
fn replays_and_shrinks_never_replace_the_original_failures_artifacts() {
    let args = [
        "--system",
        "primary-backup",
        "--workload",
        "register",
        "--nemesis",
        "all",
    ];
    let cwd = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    let with = |head: &[&str]| -> Vec<String> {
        head.iter()
            .chain(args.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let run = |argv: Vec<String>| {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        linsim(&argv)
    };
    let (code, out, err) = run(with(&["hunt", "--seeds", "0..20"]));
    assert_eq!(code, 1, "{out}{err}");
    let dir_of = |out: &str| {
        let line = out.lines().find(|l| l.starts_with("artifacts: ")).unwrap();
        cwd.join(line.trim_start_matches("artifacts: "))
    };
    let original = dir_of(&out);
    let seed = original.file_name().unwrap().to_str().unwrap().to_string();
    let history = std::fs::read(original.join("history.json")).unwrap();
    let (code, out, err) = run(with(&["shrink", "--seed", &seed]));
    assert_eq!(code, 1, "{out}{err}");
    let shrunk = dir_of(&out);
    assert_ne!(shrunk, original, "the shrunk run has its own folder");
    let repro = out
        .lines()
        .find_map(|l| l.strip_prefix("repro: linsim "))
        .unwrap();
    let (code, out, err) = linsim(&repro.split_whitespace().collect::<Vec<_>>());
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        dir_of(&out),
        shrunk,
        "a replay of the shrunk run writes to its folder"
    );
    assert_eq!(
        std::fs::read(original.join("history.json")).unwrap(),
        history,
        "the original failure's history is untouched"
    );
}
