//! The structure workloads (set, counter, queue, lock) end to end through the CLI:
//! each runs under every fault, passes, keeps its seed's meaning, and records the
//! operations its model checks.

mod common;
use common::{linsim, run_json};

/// Each workload, its model, and a function its history must hold with an ok outcome.
const WORKLOADS: [(&str, &str, &str); 4] = [
    ("set", "set", ":f :add"),
    ("counter", "counter", ":f :increment"),
    ("queue", "fifo-queue", ":f :dequeue"),
    ("lock", "mutex", ":f :release"),
];

#[test]
fn every_structure_workload_passes_a_short_sweep_under_all_faults_deterministically() {
    for (workload, _, _) in WORKLOADS {
        let (code, out, err) = linsim(&[
            "sweep",
            "--seeds",
            "0..4",
            "--nemesis",
            "all",
            "--workload",
            workload,
            "--check-determinism",
        ]);
        assert_eq!(code, 0, "{workload}: {out}\n{err}");
        // The summary row: seeds, pass, fail, unknown.
        let row = out.lines().find_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().take(4).collect();
            (fields.first() == Some(&"4")).then_some(fields)
        });
        assert_eq!(row, Some(vec!["4", "4", "0", "0"]), "{workload}: {out}");
    }
}

#[test]
fn a_structure_run_records_its_model_and_the_operations_it_checks() {
    for (workload, model, function) in WORKLOADS {
        let dir = std::env::temp_dir().join(format!(
            "linsim-workloads-{}-{workload}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.to_str().expect("utf-8 temp dir");
        let (code, report) = run_json(&["--workload", workload, "--seed", "1", "--out", out]);
        assert_eq!(code, 0, "{workload}: {report}");
        assert_eq!(report["linearizability"], "ok", "{workload}");
        let history = std::fs::read_to_string(dir.join("history.json")).expect("history.json");
        let history: serde_json::Value = serde_json::from_str(&history).expect("JSON");
        assert_eq!(history["model"], model, "{workload}");
        let edn = std::fs::read_to_string(dir.join("history.edn")).expect("history.edn");
        let ok = edn
            .lines()
            .filter(|l| l.contains(":type :ok") && l.contains(function))
            .count();
        assert!(ok >= 10, "{workload}: {ok} ok {function} in the history");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
