//! The timeline page of real runs: a known failing seed of the bug zoo and a passing
//! seed, as data and as HTML.

use linsim_checker::{check_named, CheckOptions, Function, History, Operation, Outcome, Value};
use linsim_report::{history_timeline, page, run_timeline};
use linsim_sim::{run_seed, RunReport, Scenario};

/// `respond-on-propose` answers clients before their write commits: seed 2 of its
/// zoo scenario (register, partition-leader) is not linearizable (tests/zoo.rs).
fn failing_run() -> RunReport {
    let mut sc = Scenario::new(
        std::sync::Arc::new(linsim_kv::LinsimKv),
        linsim_workloads::registry::workload("register").unwrap(),
        linsim_workloads::registry::nemesis("partition-leader").unwrap(),
    );
    sc.add_bug("respond-on-propose").unwrap();
    run_seed(&sc, 2)
}

#[test]
fn a_failing_seed_marks_the_op_that_cannot_be_placed_after_its_longest_prefix() {
    let report = failing_run();
    let cx = report.check.as_ref().unwrap().first_illegal().unwrap();
    let cx = cx.counterexample.as_ref().unwrap();
    let p = page::for_run(&report, 5, "repro").unwrap();
    assert_eq!(p.ops.len(), report.history.ops.len(), "one row per op");
    let answered = report
        .history
        .ops
        .iter()
        .filter(|o| o.node.is_some())
        .count();
    assert!(answered > 0);
    assert_eq!(
        p.ops.iter().filter(|o| o.3.contains(" (server ")).count(),
        answered,
        "every answered op names the server that answered it"
    );
    assert_eq!(p.verdict, "illegal");
    let illegal: Vec<_> = p
        .partitions
        .iter()
        .enumerate()
        .filter(|(_, v)| v.blocked.is_some())
        .collect();
    assert_eq!(illegal.len(), 1);
    let (partition, v) = illegal[0];
    assert_eq!(v.blocked, Some(cx.blocked));
    assert_eq!(v.order, cx.prefix, "the prefix is the checker's");
    assert_eq!(v.states.len(), v.order.len());
    assert_eq!(
        v.states.last(),
        Some(&cx.state),
        "the state the prefix ends in"
    );
    let blocked = &p.ops[cx.blocked];
    assert_eq!(
        (blocked.5, blocked.6),
        (partition as i64, -1),
        "in the partition, not placed"
    );
    assert!(p.faults.iter().any(|b| b.row == "partition"));
    let raft = p.raft.as_ref().unwrap();
    assert_eq!(raft.servers.len(), 5);
    assert!(
        raft.servers
            .iter()
            .any(|s| s.roles.iter().any(|r| r.2 == 3)),
        "a leader"
    );
    assert!(!raft.commits.is_empty());
}

#[test]
fn a_broken_invariant_is_marked_where_and_when_it_broke() {
    // vote-twice seed 0 (tests/zoo.rs): a server votes twice in one term.
    let mut sc = Scenario::new(
        std::sync::Arc::new(linsim_kv::LinsimKv),
        linsim_workloads::registry::workload("register").unwrap(),
        linsim_workloads::registry::nemesis("partition").unwrap(),
    );
    sc.add_bug("vote-twice").unwrap();
    sc.fix_knob("pre_vote", "false");
    let report = run_seed(&sc, 0);
    let p = page::for_run(&report, 5, "repro").unwrap();
    let v = p.violation.expect("the seed breaks an invariant");
    assert_eq!(v.invariant, "vote-once");
    assert_eq!(Some(&v), report.violation.as_ref());
    assert!(v.at_ns > 0 && v.at_ns <= p.end_ns);
    assert_eq!(
        failing_run_page_violation(),
        None,
        "a linearizability failure marks none"
    );
}

fn failing_run_page_violation() -> Option<linsim_sim::Violation> {
    page::for_run(&failing_run(), 5, "repro").unwrap().violation
}

#[test]
fn a_seed_page_is_the_same_bytes_on_every_run() {
    let a = run_timeline(&failing_run(), 5, "repro").unwrap();
    let b = run_timeline(&failing_run(), 5, "repro").unwrap();
    assert!(a == b, "two runs of one seed gave different pages");
    assert!(a.starts_with("<!DOCTYPE html>"));
    let svg_ns = "http://www.w3.org/2000/svg";
    assert!(!a.replace(svg_ns, "").contains("http"), "no network");
}

fn op(process: u64, f: Function, key: &str, value: Value, call: u64, ret: u64) -> Operation {
    let write = matches!(f, Function::Write | Function::Append);
    Operation {
        process,
        f,
        key: key.to_string(),
        input: if write { vec![value.clone()] } else { vec![] },
        output: if write { Value::Nil } else { value },
        call,
        ret: Some(ret),
        outcome: Outcome::Ok,
        node: None,
    }
}

#[test]
fn history_text_cannot_end_the_page_script_early() {
    let evil = Value::Str("</script><script>alert(1)</script>".into());
    let h = History::new(vec![
        op(0, Function::Write, "", evil.clone(), 0, 1),
        op(1, Function::Read, "", evil, 2, 3),
    ]);
    let r = check_named("register", &h, &CheckOptions::default()).unwrap();
    let html = history_timeline("<title>", vec![], "register", &h, &r, false).unwrap();
    // The error recorder, the data and the page script: nothing else closes a script.
    assert_eq!(html.matches("</script>").count(), 3);
    assert!(html.contains("<h1>&lt;title&gt;</h1>"));
    let v: serde_json::Value = serde_json::from_str(embedded_data(&html)).unwrap();
    assert_eq!(
        v["ops"][0][3],
        r#"write "</script><script>alert(1)</script>""#
    );
}

/// The JSON the page embeds.
fn embedded_data(html: &str) -> &str {
    html.split_once(r#"<script type="application/json" id="timeline-data">"#)
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(json, _)| json)
        .expect("the page embeds its data")
}

/// A kv history of `n` ops: clients append to and read ten keys, one op at a time.
fn big_history(n: u64) -> History {
    let mut values: Vec<String> = vec![String::new(); 10];
    let ops = (0..n)
        .map(|i| {
            let k = (i * 7 % 10) as usize;
            let key = format!("k{k}");
            let (call, ret) = (i * 1_000_000, i * 1_000_000 + 900_000);
            if i % 2 == 0 {
                let piece = format!("{:08x} ", i * 2_654_435_761 % (1 << 32));
                values[k].push_str(&piece);
                op(i % 10, Function::Append, &key, Value::Str(piece), call, ret)
            } else {
                let read = Value::Str(values[k].clone());
                op(i % 10, Function::Read, &key, read, call, ret)
            }
        })
        .collect();
    History {
        model: Some("kv".into()),
        ..History::new(ops)
    }
}

#[test]
fn ten_thousand_ops_fit_in_five_megabytes() {
    let h = big_history(10_000);
    let r = check_named("kv", &h, &CheckOptions::default()).unwrap();
    let start = std::time::Instant::now();
    let html = history_timeline("big", vec![], "kv", &h, &r, false).unwrap();
    eprintln!(
        "10,000 ops: {} bytes in {:.0} ms (test profile)",
        html.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    let v: serde_json::Value = serde_json::from_str(embedded_data(&html)).unwrap();
    assert_eq!(v["ops"].as_array().unwrap().len(), 10_000);
    let parts = v["partitions"].as_array().unwrap();
    assert_eq!(parts.len(), 10, "one per key");
    for p in parts {
        let key = p["key"].as_str().unwrap();
        let (order, states) = (
            p["order"].as_array().unwrap(),
            p["states"].as_array().unwrap(),
        );
        assert_eq!(order.len(), 1_000, "every op of {key} is linearized");
        assert_eq!(states.len(), order.len());
        let last = states.last().unwrap().as_str().unwrap();
        assert!(last.starts_with(&format!("{{\"{key}\": ")), "{key}: {last}");
    }
}

#[test]
fn a_stale_read_page_shows_the_prefix_the_blocked_read_and_the_states() {
    // write 1 completes, then write 2 completes, then a read returns 1: stale.
    let h = History::new(vec![
        op(0, Function::Write, "", Value::Int(1), 0, 10),
        op(1, Function::Write, "", Value::Int(2), 20, 30),
        op(0, Function::Read, "", Value::Int(1), 40, 50),
    ]);
    let r = check_named("register", &h, &CheckOptions::default()).unwrap();
    let facts = vec![("file".to_string(), "stale.json".to_string())];
    let end = page::history_end(&h);
    let p = page::for_history("stale read".into(), facts, "register", &h, Some(&r), end).unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&p).unwrap());
}
