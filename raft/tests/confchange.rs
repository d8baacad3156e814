//! The `Changer` as etcd's confchange datadriven tests exercise it, written as scripts
//! whose transcripts are golden files: each command (`simple`, `enter-joint
//! [autoleave]`, `leave-joint`) takes changes `vN` (voter), `lN` (learner), `rN`
//! (remove), `uN` (update) and prints the resulting configuration and progress map, or
//! the error. The log's last index grows by one per command, so a progress's `next`
//! tells in which command it was created.

use linsim_raft::confchange::{restore, Changer};
use linsim_raft::tracker::ProgressTracker;
use linsim_raft::{ConfChangeSingle, ConfChangeType, ConfState};
use proptest::prelude::*;

/// Runs `script` (commands separated by blank lines; a command's first line is its
/// name, the optional second its changes) and returns the transcript.
fn run(script: &str) -> String {
    let mut trk = ProgressTracker::new(10, 0);
    let mut out = String::new();
    for (last_index, block) in script.trim().split("\n\n").enumerate() {
        let mut lines = block.lines();
        let cmd = lines.next().expect("a command").trim();
        let ccs = parse_changes(lines.next().unwrap_or(""));
        out.push_str(block.trim());
        out.push_str("\n----\n");
        let changer = Changer::new(&trk, last_index as u64);
        let result = match cmd {
            "simple" => changer.simple(&ccs),
            "enter-joint" => changer.enter_joint(false, &ccs),
            "enter-joint autoleave" => changer.enter_joint(true, &ccs),
            "leave-joint" => changer.leave_joint(),
            other => panic!("unknown command {other:?}"),
        };
        match result {
            Ok((cfg, prs)) => {
                trk.config = cfg;
                trk.progress = prs;
                out.push_str(&format!("{}\n", trk.config));
                for (id, pr) in &trk.progress {
                    out.push_str(&format!("{id}: {pr}\n"));
                }
            }
            Err(e) => out.push_str(&format!("{e}\n")),
        }
        out.push('\n');
    }
    out
}

fn parse_changes(line: &str) -> Vec<ConfChangeSingle> {
    line.split_whitespace()
        .map(|tok| {
            let kind = match &tok[..1] {
                "v" => ConfChangeType::AddNode,
                "l" => ConfChangeType::AddLearnerNode,
                "r" => ConfChangeType::RemoveNode,
                "u" => ConfChangeType::UpdateNode,
                other => panic!("unknown change {other:?} in {tok:?}"),
            };
            let id = tok[1..].parse().expect("a node id after the change letter");
            ConfChangeSingle::new(kind, id)
        })
        .collect()
}

#[test]
fn simple_safety() {
    // At most one voter changes per simple change; learners come and go freely; no
    // change may leave the configuration without voters.
    insta::assert_snapshot!(run("
simple
l1

simple
v1

simple
v2 l3

simple
r1 v5

simple
r1 r2

simple
v3 v4

simple
l1 v5

simple
l1 l2

simple
l2 l3 l4 l5

simple
r1

simple
r2 r3 r4 r5"));
}

#[test]
fn simple_idempotency() {
    // Repeating a change is a no-op, and the progress is kept (its `next` stays).
    insta::assert_snapshot!(run("
simple
v1

simple
v1

simple
v2

simple
l1

simple
l1

simple
r1

simple
r1

simple
v3

simple
r3

simple
r3

simple
r4"));
}

#[test]
fn simple_promote_demote() {
    // A learner promoted keeps its progress; a voter demoted too.
    insta::assert_snapshot!(run("
simple
v1

simple
v2

simple
v3

simple
l2

simple
v2

simple
l2 v2

simple
l3

simple
v3 v3 l3 v3"));
}

#[test]
fn joint_safety() {
    // Joint configurations cannot nest, cannot start from zero voters, and refuse
    // simple changes until they are left.
    insta::assert_snapshot!(run("
leave-joint

enter-joint

enter-joint
v1

simple
v1

leave-joint

enter-joint

enter-joint

leave-joint

leave-joint

enter-joint
r1 v2 v3 l4

enter-joint

enter-joint
v12

simple
l15

leave-joint

simple
l9"));
}

#[test]
fn joint_learners_next() {
    // A voter demoted in a joint configuration still votes in the outgoing half: it is
    // staged in learners_next and becomes a learner (progress kept) on leaving.
    insta::assert_snapshot!(run("
simple
v1

enter-joint
v2 l1

leave-joint"));
}

#[test]
fn joint_autoleave() {
    // The autoleave flag is carried while joint and cleared on leaving.
    insta::assert_snapshot!(run("
simple
v1

enter-joint autoleave
v2 v3

enter-joint
v4

leave-joint"));
}

#[test]
fn joint_idempotency_and_replacement() {
    // Replacing every voter at once is possible only through a joint configuration;
    // repeated changes inside it are no-ops.
    insta::assert_snapshot!(run("
simple
v1

simple
v2

simple
v3

enter-joint
r1 r2 r3 v4 v5 v6 v4 r1

leave-joint"));
}

#[test]
fn update_and_zero_ids() {
    // An update changes no membership; a change to node 0 is skipped (etcd's veto).
    insta::assert_snapshot!(run("
simple
v1

simple
v2 u1

simple
u1 u2 u3 u1 u2 u3

simple
v0 l0 r0 v3"));
}

#[test]
fn joint_removing_and_re_adding() {
    // A node removed from the incoming half keeps its progress while it votes in the
    // outgoing one and loses it on leaving; added again later it starts afresh (its
    // `next` tells when). Removed and re-added in one change, it keeps its progress.
    insta::assert_snapshot!(run("
simple
v1

simple
v2

enter-joint
r2 l3

leave-joint

enter-joint
v2 r1

leave-joint

enter-joint
r2 v2"));
}

/// A tracker with the given configuration, built by restoring it.
fn tracker_of(cs: &ConfState) -> ProgressTracker {
    let empty = ProgressTracker::new(10, 0);
    let (cfg, prs) = restore(&empty, 1, cs).expect("a valid ConfState");
    let mut t = empty;
    t.config = cfg;
    t.progress = prs;
    t
}

fn change() -> impl Strategy<Value = ConfChangeSingle> {
    let kind = prop_oneof![
        Just(ConfChangeType::AddNode),
        Just(ConfChangeType::AddLearnerNode),
        Just(ConfChangeType::RemoveNode),
        Just(ConfChangeType::UpdateNode),
    ];
    (kind, 1u64..8).prop_map(|(k, id)| ConfChangeSingle::new(k, id))
}

proptest! {
    /// Whatever sequence of valid changes built a configuration, restoring its
    /// ConfState gives the same configuration (etcd's restore quick test).
    #[test]
    fn restore_rebuilds_every_reachable_configuration(
        steps in proptest::collection::vec(
            (0u8..3, proptest::collection::vec(change(), 0..4)), 1..12)
    ) {
        let mut trk = tracker_of(&ConfState::from_voters([1]));
        for (kind, ccs) in steps {
            let changer = Changer::new(&trk, 5);
            let next = match kind {
                0 => changer.simple(&ccs),
                1 => changer.enter_joint(ccs.len() % 2 == 0, &ccs),
                _ => changer.leave_joint(),
            };
            if let Ok((cfg, prs)) = next {
                trk.config = cfg;
                trk.progress = prs;
            }
            let cs = trk.conf_state();
            let again = tracker_of(&cs);
            prop_assert_eq!(&again.config, &trk.config);
            let learners = |t: &ProgressTracker| -> Vec<(u64, bool)> {
                t.progress.iter().map(|(&id, p)| (id, p.is_learner)).collect()
            };
            prop_assert_eq!(learners(&again), learners(&trk));
        }
    }
}
