//! Fast log backtracking, as etcd's TestFastLogRejection tables it: a follower that
//! rejects a MsgApp hints the largest index at or before the probe whose term is at
//! most the probe's term (skipping its own divergent tail), and the leader then skips
//! every entry of its own whose term exceeds the hint's (`find_conflict_by_term` on
//! both sides). Each round trip thus skips at least a whole term on one side, instead
//! of one entry, so long divergent tails are repaired in a few probes.

use super::common::*;
use crate::raft::Raft;
use crate::{HardState, MemStorage, Message, MessageType};

/// One row of etcd's table.
struct Case {
    /// What it shows.
    what: &'static str,
    /// Terms of the leader's log from index 1 (its own empty entry comes after).
    leader: &'static [u64],
    /// Terms of the follower's log from index 1.
    follower: &'static [u64],
    /// The follower's log is compacted up to here (0: not at all).
    follower_compact: u64,
    /// The rejection's hint: (index, term).
    hint: (u64, u64),
    /// The leader's next probe: (index, log term).
    next_probe: (u64, u64),
}

const CASES: &[Case] = &[
    Case {
        what: "the leader skips its term-4 entries the follower's term 3 cannot match",
        leader: &[1, 2, 2, 4, 4, 4, 4],
        follower: &[1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3],
        follower_compact: 0,
        hint: (7, 3),
        next_probe: (3, 2),
    },
    Case {
        what: "the leader skips its terms 4 and 5, down to its last term-3 entry",
        leader: &[1, 2, 2, 3, 4, 4, 4, 5],
        follower: &[1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3],
        follower_compact: 0,
        hint: (8, 3),
        next_probe: (4, 3),
    },
    Case {
        what: "the follower skips its tail of terms above the probe's",
        leader: &[1, 1, 1, 1],
        follower: &[1, 2, 2, 4],
        follower_compact: 0,
        hint: (1, 1),
        next_probe: (1, 1),
    },
    Case {
        what: "the follower skips its tail; the leader's tail is longer",
        leader: &[1, 1, 1, 1, 1, 1],
        follower: &[1, 2, 2, 4],
        follower_compact: 0,
        hint: (1, 1),
        next_probe: (1, 1),
    },
    Case {
        what: "the follower skips its tail; the follower's tail is longer",
        leader: &[1, 1, 1, 1],
        follower: &[1, 2, 2, 4, 4, 4],
        follower_compact: 0,
        hint: (1, 1),
        next_probe: (1, 1),
    },
    Case {
        what: "no conflict: the follower is one entry short",
        leader: &[1, 1, 1, 4, 5],
        follower: &[1, 1, 1, 4],
        follower_compact: 0,
        hint: (4, 4),
        next_probe: (4, 4),
    },
    Case {
        what: "etcd's stepLeader comment: the leader skips to the one term below the hint's",
        leader: &[2, 5, 5, 5, 5, 5, 5, 5, 5],
        follower: &[2, 4, 4, 4, 4, 4],
        follower_compact: 0,
        hint: (6, 4),
        next_probe: (1, 2),
    },
    Case {
        what: "etcd's handleAppendEntries comment: the follower skips its higher terms",
        leader: &[2, 2, 2, 2, 2],
        follower: &[2, 4, 4, 4, 4, 4, 4, 4],
        follower_compact: 0,
        hint: (1, 2),
        next_probe: (1, 2),
    },
    Case {
        what: "a stale probe below the follower's compaction: hint term 0, back by one",
        leader: &[1, 1, 3],
        follower: &[1, 1, 3, 3, 3],
        follower_compact: 5,
        hint: (3, 0),
        next_probe: (2, 1),
    },
];

/// A node of voters 1 2 3 whose durable log has `terms` and whose hard state is `hs`.
fn node(id: u64, terms: &[u64], hs: HardState) -> Raft<MemStorage> {
    let mut s = MemStorage::new_with_voters([1, 2, 3]);
    s.append(&entries_of_terms(terms));
    s.set_hard_state(hs);
    Raft::new(&Network::config(id), s).expect("valid config")
}

/// Steps `m` into `r` and returns the one message it answers with.
fn answer(r: &mut Raft<MemStorage>, m: Message) -> Message {
    r.step(m).unwrap();
    let mut out = r.take_messages();
    assert_eq!(out.len(), 1, "one answer: {out:?}");
    out.remove(0)
}

fn run(case: &Case) {
    let what = case.what;
    let (last_index, last_term) = (case.leader.len() as u64, *case.leader.last().unwrap());
    // Elected at the term of its last entry, with everything it has committed.
    let mut leader = node(
        1,
        case.leader,
        HardState {
            term: last_term - 1,
            vote: 0,
            commit: last_index,
        },
    );
    leader.become_candidate();
    leader.become_leader();
    let mut follower = node(
        2,
        case.follower,
        HardState {
            term: last_term,
            vote: 1,
            commit: 0,
        },
    );
    if case.follower_compact != 0 {
        // Not a state raft reaches (its commit index is 0), but a stale MsgApp below a
        // compaction must still be answered sanely.
        follower
            .raft_log
            .storage
            .compact(case.follower_compact)
            .unwrap();
    }

    // A heartbeat's answer makes the leader probe at its last index.
    let resp = answer(
        &mut follower,
        msg(MessageType::MsgHeartbeat, 1, 2, last_term),
    );
    assert_eq!(resp.msg_type, MessageType::MsgHeartbeatResp, "{what}");
    let probe = answer(&mut leader, resp);
    assert_eq!(probe.msg_type, MessageType::MsgApp, "{what}");
    assert_eq!(
        (probe.index, probe.log_term),
        (last_index, last_term),
        "{what}"
    );

    let reject = answer(&mut follower, probe);
    assert_eq!(reject.msg_type, MessageType::MsgAppResp, "{what}");
    assert!(reject.reject, "{what}");
    assert_eq!((reject.reject_hint, reject.log_term), case.hint, "{what}");

    let next = answer(&mut leader, reject);
    assert_eq!(next.msg_type, MessageType::MsgApp, "{what}");
    assert_eq!((next.index, next.log_term), case.next_probe, "{what}");
}

#[test]
fn a_rejection_hint_and_the_leaders_backtracking_skip_whole_terms() {
    // etcd's TestFastLogRejection.
    for case in CASES {
        run(case);
    }
}

#[test]
fn a_divergent_follower_is_repaired_in_one_probe_per_term() {
    // The first case carried through to the end: after the second probe the follower
    // matches, takes the leader's entries and truncates its own tail.
    let case = &CASES[0];
    let last_term = *case.leader.last().unwrap();
    let mut leader = node(
        1,
        case.leader,
        HardState {
            term: last_term - 1,
            vote: 0,
            commit: case.leader.len() as u64,
        },
    );
    leader.become_candidate();
    leader.become_leader();
    persist(&mut leader);
    let mut follower = node(
        2,
        case.follower,
        HardState {
            term: last_term,
            vote: 1,
            commit: 0,
        },
    );
    let mut m = answer(
        &mut follower,
        msg(MessageType::MsgHeartbeat, 1, 2, last_term),
    );
    let mut probes = 0;
    // Until the follower accepts: a heartbeat answer or a rejection asks for a probe.
    let accepted = |m: &Message| m.msg_type == MessageType::MsgAppResp && !m.reject;
    while !accepted(&m) {
        let app = answer(&mut leader, m);
        probes += 1;
        m = answer(&mut follower, app);
    }
    assert_eq!(probes, 2, "one probe at the end, one after the hint");
    let terms: Vec<u64> = follower
        .raft_log
        .all_entries()
        .iter()
        .map(|e| e.term)
        .collect();
    // The leader's own empty entry is of its term, 4.
    assert_eq!(terms, [1, 2, 2, 4, 4, 4, 4, 4]);
}
