//! `linsim run`, `sweep` and `list` end to end.

mod common;
use common::linsim;

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("linsim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[test]
fn list_shows_every_workload_and_nemesis_including_the_readme_example() {
    let (code, out, _) = linsim(&["list"]);
    assert_eq!(code, 0);
    for name in [
        "kv",
        "register",
        "all",
        "none",
        "partition",
        "partition-leader",
        "partition-ring",
        "bridge",
        "clog",
        "loss",
        "duplicate",
        "crash",
        "pause",
        "skew",
        "kill-leader",
    ] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(name)),
            "{name} missing from:\n{out}"
        );
    }
}

#[test]
fn list_shows_models_knobs_and_bugs() {
    let (code, out, _) = linsim(&["list"]);
    assert_eq!(code, 0);
    for section in ["models", "knobs", "bugs"] {
        assert!(
            out.lines().any(|l| l.starts_with(section)),
            "{section}:\n{out}"
        );
    }
    for name in [
        "mutex",
        "fifo-queue",
        "election_tick",
        "client_routing",
        "reads",
        "respond-on-propose",
        "commit-earlier-term",
    ] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(name)),
            "{name} missing from:\n{out}"
        );
    }
}

#[test]
fn unknown_names_exit_2_listing_the_valid_ones() {
    let (code, _, err) = linsim(&["run", "--seed", "1", "--nemesis", "nosuch"]);
    assert_eq!(code, 2);
    // The valid names are the registry's, whatever it holds (a new workload or
    // nemesis must not break this test).
    let names = |entries: Vec<&str>| entries.join(", ");
    let nemeses = names(
        std::iter::once("all")
            .chain(
                linsim_workloads::registry::nemesis_entries()
                    .iter()
                    .map(|e| e.name),
            )
            .collect(),
    );
    assert!(
        err.contains(&format!(
            "unknown nemesis \"nosuch\"; valid names: {nemeses}"
        )),
        "{err}"
    );
    let (code, _, err) = linsim(&["run", "--seed", "1", "--workload", "bank"]);
    assert_eq!(code, 2);
    let workloads = names(
        linsim_workloads::registry::workload_entries()
            .iter()
            .map(|e| e.name)
            .collect(),
    );
    assert!(err.contains(&format!("valid names: {workloads}")), "{err}");
    let (code, _, err) = linsim(&["run", "--seed", "1", "--duration", "10"]);
    assert_eq!(code, 2);
    assert!(err.contains("needs a unit"), "{err}");
}

#[test]
fn run_json_is_identical_across_runs_but_for_wall_time() {
    let args = ["run", "--seed", "7", "--duration", "2s", "--json"];
    let (code, a, _) = linsim(&args);
    assert_eq!(code, 0, "{a}");
    let (_, b, _) = linsim(&args);
    let (mut a, mut b) = (json(a.trim()), json(b.trim()));
    for field in [
        "seed",
        "verdict",
        "reason",
        "ops",
        "messages",
        "virtual_ms",
        "history_hash",
        "trace_hash",
        "repro",
    ] {
        assert!(a.get(field).is_some(), "missing {field}");
    }
    a.as_object_mut().unwrap().remove("wall_ms");
    b.as_object_mut().unwrap().remove("wall_ms");
    assert_eq!(a, b);
}

#[test]
fn artifacts_replay_and_recheck_give_the_same_results() {
    let dir = scratch("artifacts");
    let out = dir.to_str().unwrap();
    let (code, text, _) = linsim(&[
        "run",
        "--seed",
        "5",
        "--duration",
        "3s",
        "--nemesis",
        "partition,crash",
        "--out",
        out,
        "--json",
    ]);
    assert_eq!(code, 0, "{text}");
    let first = json(text.trim());
    for f in [
        "history.json",
        "history.edn",
        "result.json",
        "schedule.json",
        "trace.log",
        "timeline.html",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    // Replaying the recorded schedule reproduces the run's trace.
    let schedule = dir.join("schedule.json");
    let (code, text, _) = linsim(&[
        "run",
        "--seed",
        "5",
        "--duration",
        "3s",
        "--nemesis",
        "partition,crash",
        "--schedule",
        schedule.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{text}");
    let replay = json(text.trim());
    assert_eq!(replay["trace_hash"], first["trace_hash"]);
    assert_eq!(replay["history_hash"], first["history_hash"]);
    // The history checks with the same verdict, in both formats.
    for f in ["history.json", "history.edn"] {
        let (code, text, _) = linsim(&["check", "--model", "kv", dir.join(f).to_str().unwrap()]);
        assert_eq!(code, 0, "{f}: {text}");
    }
    let (code, text, _) = linsim(&["check", dir.join("history.json").to_str().unwrap()]);
    assert_eq!(code, 0, "the JSON history names its model: {text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_schedule_exits_2_naming_the_file() {
    let dir = scratch("schedule");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("schedule.json");
    std::fs::write(&f, "[{\"at_ns\": 5, \"fault\": \"teleport\"}]").unwrap();
    let (code, _, err) = linsim(&["run", "--seed", "1", "--schedule", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("schedule.json:1: invalid fault schedule"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sweep_prints_json_lines_and_a_summary_for_its_shard() {
    let (code, out, _) = linsim(&[
        "sweep",
        "--seeds",
        "0..6",
        "--shard",
        "2/3",
        "--duration",
        "1s",
        "--json",
        "--check-determinism",
    ]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<_> = out.lines().map(json).collect();
    assert_eq!(lines.len(), 3, "two seeds and a summary:\n{out}");
    let mut seeds: Vec<u64> = lines[..2]
        .iter()
        .map(|l| l["seed"].as_u64().unwrap())
        .collect();
    seeds.sort();
    assert_eq!(seeds, vec![1, 4], "shard 2/3 of 0..6");
    let summary = &lines[2];
    assert_eq!(
        (
            summary["seeds"].as_u64(),
            summary["pass"].as_u64(),
            summary["fail"].as_u64()
        ),
        (Some(2), Some(2), Some(0))
    );
    assert!(summary["seeds_per_sec"].as_f64().unwrap() > 0.0);
}

#[test]
fn sweep_reports_retired_processes_idle_slots_and_joint_configurations() {
    let (code, out, _) = linsim(&[
        "sweep",
        "--seeds",
        "0..4",
        "--workload",
        "register",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<_> = out.lines().map(json).collect();
    let summary = lines.last().unwrap();
    let seeds = &lines[..lines.len() - 1];
    let sum = |field: &str| -> u64 { seeds.iter().map(|l| l[field].as_u64().unwrap()).sum() };
    assert_eq!(
        summary["processes_retired"].as_u64(),
        Some(sum("processes_retired"))
    );
    // Every joint configuration entered was left or is still open at the end.
    assert_eq!(
        summary["joint_entered"].as_u64().unwrap(),
        summary["joint_left"].as_u64().unwrap() + summary["joints_open_at_end"].as_u64().unwrap()
    );
    // No slot goes longer than one client timeout plus its think time (20 ms, longer in
    // proportion beyond three clients) without an op completing.
    for l in seeds {
        let timeout = l["knobs"]["client_timeout_ms"].as_u64().unwrap();
        let clients = l["clients"].as_u64().unwrap();
        let think = 20 * clients.max(3) / 3;
        assert!(
            l["max_slot_idle_ms"].as_u64().unwrap() <= timeout + think + 5,
            "{l}"
        );
        assert_eq!(clients, l["knobs"]["clients"].as_u64().unwrap(), "{l}");
        assert!((3..=100).contains(&clients), "{l}");
    }
    assert!(summary["max_slot_idle_ms"].as_u64().unwrap() > 0);
}

#[test]
fn bugs_defaults_hunts_each_bug_under_the_default_sweep_on_each_workload() {
    let (code, out, err) = linsim(&[
        "bugs",
        "--defaults",
        "--seeds",
        "0..5",
        "--bug",
        "learner-counts-in-quorum",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<_> = out.lines().map(json).collect();
    let bug = &lines[0];
    assert_eq!(bug["defaults"], true);
    let workloads: Vec<&str> = bug["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workload"].as_str().unwrap())
        .collect();
    assert_eq!(workloads, ["register", "kv"]);
    for w in bug["workloads"].as_array().unwrap() {
        let repro = w["repro"].as_str().unwrap();
        assert!(
            repro.contains("--nemesis all") && !repro.contains("--knob"),
            "{repro}"
        );
        assert_eq!(w["check"], "commit-quorum");
    }
    let summary = &lines[1];
    assert_eq!(
        (summary["bugs"].as_u64(), summary["found"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(summary["median_seeds"].as_u64().is_some() && summary["max_seeds"].as_u64().is_some());
}

/// Runs `linsim args`, reads one line of its stdout and closes the pipe: the command
/// must exit quietly, with status 0.
fn closes_quietly(args: &[&str]) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let cwd = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&cwd).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_linsim"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty(), "{args:?} printed a line");
    // The reader is gone: the rest of the output meets a closed pipe.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{args:?}: {err}"
    );
}

#[test]
fn every_command_exits_quietly_when_its_reader_closes_the_pipe() {
    closes_quietly(&["probes"]);
    closes_quietly(&["list"]);
    closes_quietly(&["run", "--seed", "1", "--duration", "1s"]);
    closes_quietly(&["sweep", "--json", "--seeds", "0..40", "--duration", "1s"]);
}

#[test]
fn bad_input_is_refused_before_a_run_starts_naming_what_and_where() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad-input");
    std::fs::create_dir_all(&dir).unwrap();
    // A schedule naming a server the cluster does not have: usage, not a finding.
    let schedule = dir.join("server9.json");
    std::fs::write(
        &schedule,
        r#"[{"at_ns": 100, "fault": "crash", "node": 9, "torn": false}]"#,
    )
    .unwrap();
    let (code, out, err) = linsim(&[
        "run",
        "--seed",
        "1",
        "--schedule",
        schedule.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "server9.json: event 0 (at_ns 100) names server 9, but the cluster has servers 1 to 5"
        ),
        "{err}"
    );
    assert!(
        !err.contains("context:") && !err.contains("panicked"),
        "{err}"
    );
    // Flags that contradict each other are an error, never silently overridden.
    let (code, _, err) = linsim(&[
        "run",
        "--seed",
        "1",
        "--reads",
        "lease",
        "--knob",
        "check_quorum=false",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("reads=lease needs check_quorum=true"), "{err}");
    let (code, _, err) = linsim(&["sweep", "--jobs", "0", "--seeds", "0..2"]);
    assert_eq!(code, 2);
    assert!(err.contains("0 runs nothing"), "{err}");
    // An over-sharded CI matrix: a shard without seeds has nothing to do.
    let (code, out, _) = linsim(&["sweep", "--seeds", "0..3", "--shard", "4/4"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "shard 4/4 of seeds 0..3 holds no seeds: nothing to run"
    );
}

/// A sweep with failures (respond-on-propose answers before commit), as JSON lines.
fn sweep_json(extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec![
        "sweep",
        "--json",
        "--seeds",
        "0..12",
        "--jobs",
        "2",
        "--duration",
        "3s",
        "--workload",
        "register",
        "--nemesis",
        "partition-leader",
        "--bug",
        "respond-on-propose",
    ];
    args.extend_from_slice(extra);
    let (_, out, err) = linsim(&args);
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{err}")))
        .collect()
}

#[test]
fn sweep_json_is_in_seed_order_names_artifacts_and_lists_failing_seeds() {
    let lines = sweep_json(&[]);
    let (summary, records) = lines.split_last().unwrap();
    let seeds: Vec<u64> = records
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, (0..12).collect::<Vec<_>>(), "records in seed order");
    let failing: Vec<u64> = records
        .iter()
        .filter(|r| r["verdict"] == "fail")
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert!(!failing.is_empty(), "the bug fails some seeds");
    assert_eq!(summary["failing_seeds"], serde_json::json!(failing));
    for r in records.iter().filter(|r| r["verdict"] == "fail") {
        let dir = r["artifacts"]
            .as_str()
            .expect("a failing seed's record names its folder");
        let cwd = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
        assert!(cwd.join(dir).join("history.json").exists(), "{dir}");
    }
}

#[test]
fn merging_the_shards_gives_the_whole_sweeps_summary() {
    let whole = sweep_json(&[]).pop().unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("merge");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for k in 1..=5 {
        // 5 shards of 12 seeds: every shard has seeds; a 13th would have none.
        let lines = sweep_json(&["--shard", &format!("{k}/5")]);
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let path = dir.join(format!("shard{k}.json"));
        std::fs::write(&path, text.join("\n")).unwrap();
        files.push(path.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge", "--json"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, err) = linsim(&args);
    assert_eq!(code, 1, "failures merge as failures: {err}");
    let merged: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    for (field, value) in whole.as_object().unwrap() {
        if field != "seeds_per_sec" && field != "wall_s" {
            assert_eq!(&merged[field], value, "{field}");
        }
    }
    // A shard file that is not a sweep's output: exit 2 naming it.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"seed\": 1, \"verdict\": \"pass\"}\nnot json\n").unwrap();
    let (code, _, err) = linsim(&["merge", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.json:2: not a line of `linsim sweep --json`"),
        "{err}"
    );
}
