//! Majority quorums, as etcd's `quorum.MajorityConfig`.

use super::VoteResult;
use std::collections::{BTreeMap, BTreeSet};

/// The largest index acknowledged by a majority of `voters`, where `acked(id)` gives
/// voter `id`'s acknowledged index (`None`: unknown, counts as 0). An empty
/// configuration commits everything (`u64::MAX`), so that joint quorums compose.
pub fn committed_index(voters: &BTreeSet<u64>, acked: impl Fn(u64) -> Option<u64>) -> u64 {
    let n = voters.len();
    if n == 0 {
        return u64::MAX;
    }
    let mut stack = [0u64; 16];
    let mut heap = Vec::new();
    let srt: &mut [u64] = if n <= stack.len() {
        &mut stack[..n]
    } else {
        heap.resize(n, 0);
        &mut heap
    };
    for (slot, &id) in srt.iter_mut().zip(voters) {
        *slot = acked(id).unwrap_or(0);
    }
    srt.sort_unstable();
    // The (n/2 + 1)-th largest value is acknowledged by a majority.
    srt[n - (n / 2 + 1)]
}

/// The election result of `votes` (granted or rejected, by id) among `voters`.
pub fn vote_result(voters: &BTreeSet<u64>, votes: &BTreeMap<u64, bool>) -> VoteResult {
    if voters.is_empty() {
        return VoteResult::Won;
    }
    let (mut granted, mut missing) = (0, 0);
    for id in voters {
        match votes.get(id) {
            Some(true) => granted += 1,
            Some(false) => {}
            None => missing += 1,
        }
    }
    let q = voters.len() / 2 + 1;
    if granted >= q {
        VoteResult::Won
    } else if granted + missing >= q {
        VoteResult::Pending
    } else {
        VoteResult::Lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u64]) -> BTreeSet<u64> {
        ids.iter().copied().collect()
    }

    #[test]
    fn committed_index_is_the_majority_acknowledged_value() {
        let acked = |id: u64| [0, 5, 3, 9, 1, 7].get(id as usize).copied();
        assert_eq!(committed_index(&set(&[1]), acked), 5);
        assert_eq!(committed_index(&set(&[1, 2, 3]), acked), 5);
        assert_eq!(committed_index(&set(&[1, 2, 3, 4]), acked), 3);
        assert_eq!(committed_index(&set(&[1, 2, 3, 4, 5]), acked), 5);
        assert_eq!(
            committed_index(&set(&[1, 2, 9]), acked),
            3,
            "unknown counts as 0"
        );
        assert_eq!(committed_index(&set(&[]), acked), u64::MAX);
    }

    #[test]
    fn committed_index_matches_brute_force() {
        // Brute force: the largest i such that a majority has acked >= i.
        for mask in 0u32..4096 {
            let vals: Vec<u64> = (0..4).map(|k| ((mask >> (3 * k)) & 7) as u64).collect();
            let voters = set(&[1, 2, 3, 4]);
            let got = committed_index(&voters, |id| Some(vals[id as usize - 1]));
            let want = (0..8u64)
                .filter(|&i| vals.iter().filter(|&&v| v >= i).count() >= 3)
                .max()
                .unwrap();
            assert_eq!(got, want, "{vals:?}");
        }
    }

    #[test]
    fn vote_result_decides_only_when_certain() {
        let voters = set(&[1, 2, 3]);
        let votes = |v: &[(u64, bool)]| v.iter().copied().collect::<BTreeMap<_, _>>();
        assert_eq!(
            vote_result(&voters, &votes(&[(1, true)])),
            VoteResult::Pending
        );
        assert_eq!(
            vote_result(&voters, &votes(&[(1, true), (2, true)])),
            VoteResult::Won
        );
        assert_eq!(
            vote_result(&voters, &votes(&[(1, true), (2, false), (3, false)])),
            VoteResult::Lost
        );
        assert_eq!(
            vote_result(&voters, &votes(&[(2, false), (3, false)])),
            VoteResult::Lost
        );
    }
}
