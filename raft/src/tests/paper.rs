//! One test per behaviour of the Raft paper, sections 5.1 to 5.4 ("In Search of an
//! Understandable Consensus Algorithm", extended version).

use super::common::*;
use crate::{Entry, MessageType, StateType, NONE};
use std::collections::BTreeSet;

// ---- 5.1 Raft basics ----

#[test]
fn start_as_follower() {
    let r = new_raft(1, &[1, 2, 3], 10, 1);
    assert_eq!(r.state, StateType::StateFollower);
    assert_eq!(r.term, 0);
}

fn update_term_from_message(initial: StateType) {
    let mut r = new_raft(1, &[1, 2, 3], 10, 1);
    match initial {
        StateType::StateFollower => r.become_follower(1, 2),
        StateType::StateCandidate => r.become_candidate(),
        StateType::StateLeader => {
            r.become_candidate();
            r.become_leader();
        }
        StateType::StatePreCandidate => unreachable!(),
    }
    r.step(msg(MessageType::MsgApp, 2, 1, 2)).unwrap();
    assert_eq!(r.term, 2, "{initial} must adopt the higher term");
    assert_eq!(
        r.state,
        StateType::StateFollower,
        "{initial} must step down"
    );
}

#[test]
fn follower_updates_term_from_higher_term_message() {
    update_term_from_message(StateType::StateFollower);
}

#[test]
fn candidate_updates_term_from_higher_term_message() {
    update_term_from_message(StateType::StateCandidate);
}

#[test]
fn leader_updates_term_from_higher_term_message() {
    update_term_from_message(StateType::StateLeader);
}

#[test]
fn stale_term_message_is_rejected() {
    let mut r = raft_with_log(1, &[1, 2, 3], &[], 2);
    let mut m = msg(MessageType::MsgApp, 2, 1, 1);
    m.entries = vec![Entry {
        term: 1,
        index: 1,
        ..Entry::default()
    }];
    r.step(m).unwrap();
    assert_eq!(r.raft_log.last_index(), 0, "stale MsgApp must not append");
    assert_eq!(r.term, 2);
    assert!(
        r.take_messages().is_empty(),
        "no pre-vote/check-quorum: ignored"
    );
}

// ---- 5.2 Leader election ----

#[test]
fn leader_broadcasts_heartbeats() {
    let hi = 1;
    let mut r = new_raft(1, &[1, 2, 3], 10, hi);
    r.become_candidate();
    r.become_leader();
    r.take_messages();
    tick_n(&mut r, hi);
    let mut msgs = r.take_messages();
    msgs.sort_by_key(|m| m.to);
    let got: Vec<(u64, MessageType)> = msgs.iter().map(|m| (m.to, m.msg_type)).collect();
    assert_eq!(
        got,
        vec![
            (2, MessageType::MsgHeartbeat),
            (3, MessageType::MsgHeartbeat)
        ]
    );
}

fn starts_election_on_timeout(initial: StateType) {
    let et = 10;
    let mut r = new_raft(1, &[1, 2, 3], et, 1);
    if initial == StateType::StateCandidate {
        r.become_candidate();
    } else {
        r.become_follower(1, 2);
    }
    let term = r.term;
    tick_n(&mut r, 2 * et);
    assert_eq!(r.term, term + 1);
    assert_eq!(r.state, StateType::StateCandidate);
    assert_eq!(r.vote, 1, "votes for itself");
    let mut msgs = r.take_messages();
    msgs.sort_by_key(|m| m.to);
    let got: Vec<(u64, MessageType, u64)> =
        msgs.iter().map(|m| (m.to, m.msg_type, m.term)).collect();
    assert_eq!(
        got,
        vec![
            (2, MessageType::MsgVote, term + 1),
            (3, MessageType::MsgVote, term + 1)
        ]
    );
}

#[test]
fn follower_starts_election_on_timeout() {
    starts_election_on_timeout(StateType::StateFollower);
}

#[test]
fn candidate_retries_election_on_timeout() {
    starts_election_on_timeout(StateType::StateCandidate);
}

#[test]
fn candidate_wins_with_majority_and_loses_without() {
    // (cluster size, votes granted, votes rejected) -> state
    let cases: &[(u64, &[u64], &[u64], StateType)] = &[
        (1, &[], &[], StateType::StateLeader),
        (3, &[2, 3], &[], StateType::StateLeader),
        (3, &[2], &[], StateType::StateLeader),
        (5, &[2, 3, 4, 5], &[], StateType::StateLeader),
        (5, &[2, 3], &[], StateType::StateLeader),
        (3, &[], &[], StateType::StateCandidate),
        (5, &[2], &[], StateType::StateCandidate),
        (5, &[2], &[3, 4], StateType::StateCandidate),
        (3, &[], &[2, 3], StateType::StateFollower),
        (5, &[2], &[3, 4, 5], StateType::StateFollower),
    ];
    for &(size, granted, rejected, want) in cases {
        let peers: Vec<u64> = (1..=size).collect();
        let mut r = new_raft(1, &peers, 10, 1);
        r.step(msg(MessageType::MsgHup, 1, 1, 0)).unwrap();
        for &id in granted {
            r.step(msg(MessageType::MsgVoteResp, id, 1, r.term))
                .unwrap();
        }
        for &id in rejected {
            let mut m = msg(MessageType::MsgVoteResp, id, 1, r.term);
            m.reject = true;
            r.step(m).unwrap();
        }
        assert_eq!(
            r.state, want,
            "size {size} granted {granted:?} rejected {rejected:?}"
        );
        assert_eq!(r.term, 1);
    }
}

#[test]
fn follower_grants_one_vote_per_term() {
    // (already voted for, candidate) -> rejected?
    let cases = [
        (NONE, 2, false),
        (NONE, 3, false),
        (2, 2, false),
        (3, 3, false),
        (2, 3, true),
        (3, 2, true),
    ];
    for (vote, candidate, reject) in cases {
        let mut r = new_raft(1, &[1, 2, 3], 10, 1);
        r.term = 1;
        r.vote = vote;
        r.step(msg(MessageType::MsgVote, candidate, 1, 1)).unwrap();
        let msgs = r.take_messages();
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].msg_type, MessageType::MsgVoteResp);
        assert_eq!(msgs[0].reject, reject, "vote {vote} candidate {candidate}");
    }
}

#[test]
fn candidate_falls_back_to_follower_on_leader_message() {
    for term in [1, 2] {
        let mut r = new_raft(1, &[1, 2, 3], 10, 1);
        r.step(msg(MessageType::MsgHup, 1, 1, 0)).unwrap();
        assert_eq!(r.state, StateType::StateCandidate);
        r.step(msg(MessageType::MsgApp, 2, 1, term)).unwrap();
        assert_eq!(r.state, StateType::StateFollower, "MsgApp at term {term}");
        assert_eq!(r.term, term);
        assert_eq!(r.lead, 2);
    }
}

fn randomized_timeouts(initial: StateType) -> BTreeSet<usize> {
    let et = 10;
    let mut seen = BTreeSet::new();
    for seed in 0..500 {
        let mut r = new_raft_with(1, &[1, 2, 3], et, 1, |c| c.seed = seed);
        if initial == StateType::StateCandidate {
            r.become_candidate();
        } else {
            r.become_follower(r.term + 1, 2);
        }
        let mut time = 0;
        while r.take_messages().is_empty() {
            r.tick();
            time += 1;
        }
        seen.insert(time);
    }
    seen
}

#[test]
fn follower_election_timeout_is_randomized() {
    let seen = randomized_timeouts(StateType::StateFollower);
    assert_eq!(
        seen,
        (10..20).collect(),
        "every timeout in [et, 2et) occurs"
    );
}

#[test]
fn candidate_election_timeout_is_randomized() {
    let seen = randomized_timeouts(StateType::StateCandidate);
    assert_eq!(
        seen,
        (10..20).collect(),
        "every timeout in [et, 2et) occurs"
    );
}

#[test]
fn election_timeouts_of_followers_rarely_collide() {
    let et = 10;
    let size = 5u64;
    let rounds = 1000;
    let mut conflicts = 0;
    for round in 0..rounds {
        let mut rs: Vec<_> = (1..=size)
            .map(|id| {
                let peers: Vec<u64> = (1..=size).collect();
                let mut r = new_raft_with(id, &peers, et, 1, |c| c.seed = round);
                r.become_follower(r.term + 1, NONE);
                r
            })
            .collect();
        let mut timed_out = 0;
        while timed_out == 0 {
            for r in rs.iter_mut() {
                r.tick();
                if !r.take_messages().is_empty() {
                    timed_out += 1;
                }
            }
        }
        if timed_out > 1 {
            conflicts += 1;
        }
    }
    let p = conflicts as f64 / rounds as f64;
    assert!(p < 0.3, "probability of conflicting timeouts {p} >= 0.3");
}

// ---- 5.3 Log replication ----

#[test]
fn leader_replicates_a_proposal_to_every_follower() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    let li = r.raft_log.last_index();
    let mut m = msg(MessageType::MsgProp, 1, 1, 0);
    m.entries = vec![Entry::normal(b"some data".to_vec())];
    r.step(m).unwrap();
    assert_eq!(r.raft_log.last_index(), li + 1);
    let mut msgs = r.take_messages();
    msgs.sort_by_key(|m| m.to);
    assert_eq!(msgs.len(), 2);
    for (m, to) in msgs.iter().zip([2, 3]) {
        assert_eq!(m.msg_type, MessageType::MsgApp);
        assert_eq!((m.to, m.index, m.log_term), (to, li, 1));
        assert_eq!(m.entries.len(), 1);
        assert_eq!((m.entries[0].index, m.entries[0].term), (li + 1, 1));
        assert_eq!(&m.entries[0].data[..], b"some data");
    }
}

#[test]
fn leader_commits_after_quorum_acknowledges() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    let li = r.raft_log.last_index();
    let mut m = msg(MessageType::MsgProp, 1, 1, 0);
    m.entries = vec![Entry::normal(b"x".to_vec())];
    r.step(m).unwrap();
    persist(&mut r);
    r.take_messages();
    assert_eq!(
        r.raft_log.committed, li,
        "one copy (the leader's) is not a quorum"
    );
    let mut ack = msg(MessageType::MsgAppResp, 2, 1, r.term);
    ack.index = li + 1;
    r.step(ack).unwrap();
    assert_eq!(r.raft_log.committed, li + 1);
    let mut msgs = r.take_messages();
    msgs.sort_by_key(|m| m.to);
    // The new commit index is broadcast to every follower.
    let commits: Vec<(u64, u64)> = msgs.iter().map(|m| (m.to, m.commit)).collect();
    assert_eq!(commits, vec![(2, li + 1), (3, li + 1)]);
}

#[test]
fn leader_commits_only_after_its_own_copy_is_durable() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    let li = r.raft_log.last_index();
    let mut m = msg(MessageType::MsgProp, 1, 1, 0);
    m.entries = vec![Entry::normal(b"x".to_vec())];
    r.step(m).unwrap();
    let mut ack = msg(MessageType::MsgAppResp, 2, 1, r.term);
    ack.index = li + 1;
    r.step(ack).unwrap();
    assert_eq!(
        r.raft_log.committed, li,
        "one follower plus an unsynced leader copy is not a durable quorum"
    );
    persist(&mut r);
    assert_eq!(
        r.raft_log.committed,
        li + 1,
        "the leader's durable copy completes the quorum"
    );
}

#[test]
fn leader_acknowledges_commit_with_quorum_of_various_sizes() {
    // (size, acceptors) -> committed?
    let cases: &[(u64, &[u64], bool)] = &[
        (1, &[], true),
        (3, &[], false),
        (3, &[2], true),
        (3, &[2, 3], true),
        (5, &[], false),
        (5, &[2], false),
        (5, &[2, 3], true),
        (5, &[2, 3, 4, 5], true),
    ];
    for &(size, acceptors, want) in cases {
        let peers: Vec<u64> = (1..=size).collect();
        let mut r = elected_leader(1, &peers);
        let li = r.raft_log.last_index();
        let mut m = msg(MessageType::MsgProp, 1, 1, 0);
        m.entries = vec![Entry::normal(b"x".to_vec())];
        r.step(m).unwrap();
        persist(&mut r);
        for m in r.take_messages() {
            if acceptors.contains(&m.to) {
                let mut ack = msg(MessageType::MsgAppResp, m.to, 1, m.term);
                ack.index = m.index + m.entries.len() as u64;
                r.step(ack).unwrap();
            }
        }
        assert_eq!(
            r.raft_log.committed > li,
            want,
            "size {size} acceptors {acceptors:?}"
        );
    }
}

#[test]
fn leader_commits_preceding_entries() {
    // The new leader's log holds entries of older terms; once its own empty entry is
    // committed, everything before it is committed too.
    for prior in [vec![], vec![2], vec![1, 1], vec![1, 2]] {
        let mut r = raft_with_log(1, &[1, 2, 3], &prior, 2);
        r.become_candidate();
        r.become_leader();
        let mut m = msg(MessageType::MsgProp, 1, 1, 0);
        m.entries = vec![Entry::normal(b"some data".to_vec())];
        r.step(m).unwrap();
        persist(&mut r);
        for m in r.take_messages() {
            let mut ack = msg(MessageType::MsgAppResp, m.to, 1, m.term);
            ack.index = m.index + m.entries.len() as u64;
            r.step(ack).unwrap();
        }
        let li = prior.len() as u64;
        assert_eq!(r.raft_log.committed, li + 2, "prior {prior:?}");
        let committed: Vec<u64> = r
            .raft_log
            .next_committed_entries()
            .iter()
            .map(|e| e.term)
            .collect();
        let mut want = prior.clone();
        want.extend([3, 3]);
        assert_eq!(committed, want);
    }
}

#[test]
fn follower_commits_what_the_leader_says_is_committed() {
    for (n, commit) in [(1u64, 1u64), (2, 2), (2, 1)] {
        let mut r = new_raft(1, &[1, 2, 3], 10, 1);
        r.become_follower(1, 2);
        let mut m = msg(MessageType::MsgApp, 2, 1, 1);
        m.commit = commit;
        m.entries = (1..=n)
            .map(|i| Entry {
                term: 1,
                index: i,
                data: bytes::Bytes::from_static(b"x"),
                ..Entry::default()
            })
            .collect();
        r.step(m).unwrap();
        assert_eq!(r.raft_log.committed, commit);
        assert_eq!(r.raft_log.next_committed_entries().len() as u64, commit);
    }
}

#[test]
fn follower_checks_msg_app_consistency() {
    // The follower has entries (1,1) (2,2); committed 1.
    // (prev term, prev index) -> (reject, index, hint)
    let cases = [
        (0, 0, false, 1, 0),
        (1, 1, false, 1, 0),
        (2, 2, false, 2, 0),
        (1, 2, true, 2, 1),
        (3, 3, true, 3, 2),
    ];
    for (term, index, reject, windex, hint) in cases {
        let mut r = raft_with_log(1, &[1, 2, 3], &[1, 2], 2);
        r.raft_log.commit_to(1);
        r.become_follower(2, 2);
        let mut m = msg(MessageType::MsgApp, 2, 1, 2);
        m.log_term = term;
        m.index = index;
        r.step(m).unwrap();
        let msgs = r.take_messages();
        assert_eq!(msgs.len(), 1);
        let resp = &msgs[0];
        assert_eq!(resp.msg_type, MessageType::MsgAppResp);
        assert_eq!(
            (resp.reject, resp.index, resp.reject_hint),
            (reject, windex, hint),
            "prev ({term}, {index})"
        );
    }
}

#[test]
fn follower_truncates_conflicting_entries_and_appends() {
    // log (1,1)(2,2); (prev index, prev term, entries) -> resulting terms
    /// (prev index, prev term, entries as (index, term), resulting log terms)
    type Case = (u64, u64, &'static [(u64, u64)], &'static [u64]);
    let cases: [Case; 4] = [
        (2, 2, &[(3, 3)], &[1, 2, 3]),
        (1, 1, &[(2, 3), (3, 4)], &[1, 3, 4]),
        (0, 0, &[(1, 1)], &[1, 2]),
        (0, 0, &[(1, 3)], &[3]),
    ];
    for (index, log_term, ents, want) in cases {
        let mut r = raft_with_log(1, &[1, 2, 3], &[1, 2], 2);
        r.become_follower(2, 2);
        let mut m = msg(MessageType::MsgApp, 2, 1, 2);
        m.index = index;
        m.log_term = log_term;
        m.entries = ents
            .iter()
            .map(|&(index, term)| Entry {
                index,
                term,
                ..Entry::default()
            })
            .collect();
        r.step(m).unwrap();
        let got: Vec<u64> = r.raft_log.all_entries().iter().map(|e| e.term).collect();
        assert_eq!(got, want, "append at {index}/{log_term} {ents:?}");
    }
}

#[test]
fn leader_repairs_divergent_follower_logs_figure_7() {
    // The leader of term 8 and the follower logs (a)-(f) of the paper's Figure 7.
    let leader_log = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    let followers: [&[u64]; 6] = [
        &[1, 1, 1, 4, 4, 5, 5, 6, 6],
        &[1, 1, 1, 4],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
        &[1, 1, 1, 4, 4, 4, 4],
        &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    ];
    for (case, follower_log) in followers.iter().enumerate() {
        let mut lead = raft_with_log(1, &[1, 2, 3], &leader_log, 7);
        lead.raft_log.commit_to(leader_log.len() as u64);
        let mut follower = raft_with_log(2, &[1, 2, 3], follower_log, 7);
        // Node 3 votes for the leader so it wins term 8.
        lead.become_candidate();
        lead.become_leader();
        persist(&mut lead);
        lead.take_messages();
        for _ in 0..100 {
            let mut m = msg(MessageType::MsgHeartbeat, 1, 2, lead.term);
            m.commit = 0;
            follower.step(m).unwrap();
            let replies = follower.take_messages();
            persist(&mut follower);
            for m in replies {
                lead.step(m).unwrap();
            }
            let to_follower: Vec<_> = lead
                .take_messages()
                .into_iter()
                .filter(|m| m.to == 2)
                .collect();
            if to_follower.is_empty() {
                break;
            }
            for m in to_follower {
                follower.step(m).unwrap();
                persist(&mut follower);
                for reply in follower.take_messages() {
                    lead.step(reply).unwrap();
                }
            }
        }
        let want: Vec<(u64, u64)> = lead
            .raft_log
            .all_entries()
            .iter()
            .map(|e| (e.index, e.term))
            .collect();
        let got: Vec<(u64, u64)> = follower
            .raft_log
            .all_entries()
            .iter()
            .map(|e| (e.index, e.term))
            .collect();
        assert_eq!(got, want, "follower ({})", (b'a' + case as u8) as char);
    }
}

// ---- 5.4 Safety ----

#[test]
fn candidate_sends_vote_requests_with_its_last_log_position() {
    let mut r = raft_with_log(1, &[1, 2, 3], &[1, 2], 2);
    tick_n(&mut r, 20);
    let msgs = r.take_messages();
    assert_eq!(msgs.len(), 2);
    for m in msgs {
        assert_eq!(m.msg_type, MessageType::MsgVote);
        assert_eq!((m.index, m.log_term, m.term), (2, 2, 3));
    }
}

#[test]
fn voter_grants_only_to_candidates_at_least_as_up_to_date() {
    // voter log terms; candidate (last term, last index) -> reject
    let cases: &[(&[u64], u64, u64, bool)] = &[
        (&[1], 1, 1, false),
        (&[1], 1, 2, false),
        (&[1, 1], 1, 1, true),
        (&[1], 2, 1, false),
        (&[1], 2, 2, false),
        (&[1, 1], 2, 1, false),
        (&[2], 1, 1, true),
        (&[2], 1, 2, true),
        (&[2, 1], 1, 1, true),
    ];
    for &(log, term, index, reject) in cases {
        let mut r = raft_with_log(1, &[1, 2], log, 2);
        let mut m = msg(MessageType::MsgVote, 2, 1, 3);
        m.log_term = term;
        m.index = index;
        r.step(m).unwrap();
        let msgs = r.take_messages();
        assert_eq!(msgs.len(), 1);
        assert_eq!(
            msgs[0].reject, reject,
            "voter {log:?} candidate {term}/{index}"
        );
    }
}

#[test]
fn leader_never_commits_earlier_term_entry_by_counting_figure_8() {
    // The leader of term 3 holds entries of term 2 replicated on a majority: counting
    // replicas must not commit them; only its own term-3 entry can.
    let mut r = raft_with_log(1, &[1, 2, 3], &[1, 2], 2);
    r.become_candidate();
    r.become_leader();
    persist(&mut r);
    r.take_messages();
    assert_eq!(r.term, 3);
    let mut ack = msg(MessageType::MsgAppResp, 2, 1, 3);
    ack.index = 2;
    r.step(ack).unwrap();
    assert_eq!(
        r.raft_log.committed, 0,
        "index 2 is of term 2: not committed by counting"
    );
    let mut ack = msg(MessageType::MsgAppResp, 2, 1, 3);
    ack.index = 3;
    r.step(ack).unwrap();
    assert_eq!(
        r.raft_log.committed, 3,
        "the term-3 entry commits, and the earlier ones with it"
    );
}
