//! Small helpers shared by the log and the leader's replication.

use crate::eraftpb::Entry;

/// How many leading entries fit in `max_size` bytes (by `Entry::wire_size`); always at
/// least one when `entries` is not empty, so replication can make progress.
pub(crate) fn limit_size(entries: &[Entry], max_size: u64) -> usize {
    if max_size == u64::MAX {
        return entries.len();
    }
    let mut size = 0u64;
    for (i, e) in entries.iter().enumerate() {
        size += e.wire_size();
        if i > 0 && size > max_size {
            return i;
        }
    }
    entries.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_size_keeps_at_least_one_entry() {
        let ents: Vec<Entry> = (0..4).map(|_| Entry::normal(vec![0; 8])).collect();
        assert_eq!(limit_size(&ents, u64::MAX), 4);
        assert_eq!(limit_size(&ents, 0), 1);
        assert_eq!(limit_size(&ents, 64), 2);
        assert_eq!(limit_size(&[], 0), 0);
    }
}
