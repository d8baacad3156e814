//! The checks of the hard paths fire on deliberately broken servers reached through
//! the options a user runs (`--bug`, `--knob`, `--nemesis`), and the faults bite.

mod common;
use common::{linsim, run_json};

fn first_failure(v: &serde_json::Value) -> (String, String) {
    let f = &v["failures"][0];
    (
        f["check"].as_str().unwrap_or("").to_string(),
        f["facts"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn a_server_that_sends_before_it_syncs_fails_durable_before_send_on_its_first_such_message() {
    let (code, v) = run_json(&[
        "--seed",
        "1",
        "--workload",
        "kv",
        "--nemesis",
        "none",
        "--bug",
        "ack-before-fsync",
        // In async mode a vote request needs nothing durable; the acks are caught.
        "--storage",
        "sync",
    ]);
    assert_eq!(code, 1, "{v}");
    let (check, facts) = first_failure(&v);
    assert_eq!(check, "durable-before-send", "{v}");
    // The first message that promises durable state is a candidate's vote request of
    // the first election (pre-votes promise nothing).
    assert!(facts.starts_with("MsgVote: asked"), "{facts}");
    assert!(facts.contains("durable hard state is term 0"), "{facts}");
    assert!(
        v["virtual_ms"].as_u64().unwrap() < 1000,
        "caught at once: {v}"
    );
    assert_eq!(
        v["linearizability"], "ok",
        "the checker still ran, and clients saw nothing yet"
    );
}

#[test]
fn a_vote_sent_before_its_hard_state_is_synced_fails_durable_before_send() {
    let (code, v) = run_json(&[
        "--seed",
        "2",
        "--workload",
        "register",
        "--nemesis",
        "partition",
        "--bug",
        "unsynced-vote",
    ]);
    assert_eq!(code, 1, "{v}");
    let (check, facts) = first_failure(&v);
    assert_eq!(check, "durable-before-send", "{v}");
    assert!(facts.starts_with("MsgVote"), "{facts}");
}

#[test]
fn a_healthy_cluster_passes_every_check_with_default_and_random_knobs() {
    for knobs in ["default", "random"] {
        let (code, v) = run_json(&["--seed", "4", "--knobs", knobs]);
        assert_eq!(code, 0, "{knobs}: {v}");
        assert_eq!(v["failures"].as_array().unwrap().len(), 0);
        assert_eq!(v["linearizability"], "ok");
        assert!(
            v["heal_catch_up_ms"].as_u64().unwrap() > 0,
            "catch-up measured: {v}"
        );
    }
}

#[test]
fn power_loss_and_torn_crashes_lose_unsynced_writes() {
    let mut lost = 0;
    let mut torn = 0;
    for seed in 0..4 {
        let (code, v) = run_json(&[
            "--seed",
            &seed.to_string(),
            "--nemesis",
            "power",
            "--knob",
            "fsync_latency_us=5000",
        ]);
        assert_eq!(code, 0, "{v}");
        lost += v["unsynced_writes_lost"].as_u64().unwrap();
        torn += v["torn_records_truncated"].as_u64().unwrap();
        assert!(
            v["probes"]["power_loss_majority"].as_u64().unwrap() > 0,
            "{v}"
        );
    }
    assert!(lost > 4, "power loss bites: {lost} writes lost in 4 seeds");
    assert!(torn > 0, "some crash tears a record: {torn}");
}

#[test]
fn clients_cut_off_from_servers_record_unknown_outcomes() {
    let (code, v) = run_json(&["--seed", "3", "--nemesis", "partition-clients"]);
    assert_eq!(code, 0, "{v}");
    assert!(v["probes"]["clients_cut_off"].as_u64().unwrap() > 0, "{v}");
    assert!(
        v["probes"]["client_resent_request"].as_u64().unwrap() > 0,
        "{v}"
    );
}

#[test]
fn knobs_are_drawn_per_seed_fixed_by_flag_and_reported() {
    let (_, a) = run_json(&["--seed", "5", "--nemesis", "none", "--duration", "1s"]);
    let (_, b) = run_json(&["--seed", "6", "--nemesis", "none", "--duration", "1s"]);
    assert_ne!(a["knobs"], b["knobs"], "seeds draw their own knobs");
    let (_, again) = run_json(&["--seed", "5", "--nemesis", "none", "--duration", "1s"]);
    assert_eq!(a["knobs"], again["knobs"]);
    assert_eq!(a["trace_hash"], again["trace_hash"]);
    let (_, fixed) = run_json(&[
        "--seed",
        "5",
        "--nemesis",
        "none",
        "--duration",
        "1s",
        "--knob",
        "max_inflight_msgs=1",
        "--client-routing",
        "node",
    ]);
    assert_eq!(fixed["knobs"]["max_inflight_msgs"], 1);
    assert_eq!(fixed["knobs"]["client_routing"], "node");
    assert_eq!(fixed["knobs"]["election_tick"], a["knobs"]["election_tick"]);
    let repro = fixed["repro"].as_str().unwrap();
    assert!(
        repro.ends_with("--knob client_routing=node --knob max_inflight_msgs=1"),
        "{repro}"
    );
    let (_, d) = run_json(&[
        "--seed",
        "5",
        "--nemesis",
        "none",
        "--duration",
        "1s",
        "--knobs",
        "default",
    ]);
    assert_eq!(d["knobs"]["election_tick"], 10);
    assert_eq!(d["knobs"]["max_size_per_msg"], 65536);
}

#[test]
fn bad_knobs_and_bugs_exit_2_naming_the_valid_ones() {
    let (code, _, err) = linsim(&["run", "--seed", "1", "--knob", "nosuch=1"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown knob \"nosuch\"; valid knobs: election_tick"),
        "{err}"
    );
    let (code, _, err) = linsim(&["run", "--seed", "1", "--knob", "election_tick=x"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("knob election_tick: \"x\" is not a tick count"),
        "{err}"
    );
    let (code, _, err) = linsim(&["run", "--seed", "1", "--bug", "nosuch"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "unknown bug \"nosuch\" for system linsim-kv; valid bugs: commit-earlier-term"
        ),
        "{err}"
    );
}

#[test]
fn probes_list_says_where_each_lives() {
    let (code, out, _) = linsim(&["probes"]);
    assert_eq!(code, 0);
    assert!(out.contains("commit_refused_earlier_term"), "{out}");
    assert!(out.lines().any(|l| l.contains("vote_rejected_stale_log")
        && l.contains("raft/src/raft.rs")
        && l.contains("guard")));
    assert!(out.contains("torn_record_truncated"));
}
