//! What the observer checks of snapshots: a snapshot taken or installed never moves a
//! server's applied state backwards, never holds state that is not committed, and
//! every server's state machine at one index has the same digest; a compaction never
//! drops an entry that is not both applied and in the durable snapshot.

use super::Observer;

impl Observer {
    /// `node` took a snapshot of its state machine at `index` (the index it last
    /// applied), or installed one from its leader (`installed`). Applied indexes never
    /// go backwards (`snapshot-restore`), an installed snapshot holds only committed
    /// state (`snapshot-restore`), and every node's state machine at one index has the
    /// same digest (state machine safety, for entries that arrive by snapshot).
    pub fn snapshot(&mut self, at_ns: u64, node: u64, index: u64, digest: u64, installed: bool) {
        let last = self.last_applied.get(&node).copied().unwrap_or(0);
        let what = if installed { "installed" } else { "took" };
        self.trace(
            at_ns,
            format!("{node} {what} snapshot at {index} (digest {digest:016x})"),
        );
        if installed && index <= last {
            self.violate(
                "snapshot-restore",
                at_ns,
                node,
                format!("installed a snapshot at {index} after applying up to {last}: its state went backwards"),
            );
        } else if installed && index > self.commit_index() {
            let committed = self.commit_index();
            self.violate(
                "snapshot-restore",
                at_ns,
                node,
                format!(
                    "installed a snapshot at {index}, past the newest committed index {committed}"
                ),
            );
        } else if !installed && index != last {
            self.violate(
                "apply-order",
                at_ns,
                node,
                format!("took a snapshot at {index} after applying up to {last}"),
            );
        }
        self.last_applied.insert(node, index);
        match self.snapshots.get(&index) {
            Some(&(seen, other)) if seen != digest => self.violate(
                "state-machine-safety",
                at_ns,
                node,
                format!(
                    "state machine at {index} has digest {digest:016x}, but node {other}'s had {seen:016x}"
                ),
            ),
            Some(_) => {}
            None => {
                self.snapshots.insert(index, (digest, node));
            }
        }
    }

    /// `node` compacted its log up to `compact_to`, keeping a snapshot at
    /// `snapshot_index`, having applied up to `applied`: every entry dropped must be in
    /// the snapshot, and the snapshot must hold only applied state (`compaction`).
    /// Otherwise a restart finds neither the entry nor a state that includes it.
    pub fn compacted(
        &mut self,
        at_ns: u64,
        node: u64,
        compact_to: u64,
        snapshot_index: u64,
        applied: u64,
    ) {
        let broken = if compact_to > snapshot_index {
            Some(format!(
                "compacted its log up to {compact_to} past its snapshot at {snapshot_index}"
            ))
        } else if snapshot_index > applied {
            Some(format!(
                "kept a snapshot at {snapshot_index} having applied only up to {applied}"
            ))
        } else {
            None
        };
        if let Some(facts) = broken {
            self.violate("compaction", at_ns, node, facts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_installed_snapshot_holds_only_committed_state_and_moves_forward() {
        let mut o = Observer::default();
        o.leader_committed(1, 1, 1, 8, |_| Some(1), None);
        o.snapshot(2, 2, 8, 0xaa, true);
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.snapshot(3, 3, 9, 0xbb, true);
        let v = o.violation().unwrap();
        assert_eq!(v.invariant, "snapshot-restore");
        assert!(
            v.facts.contains("past the newest committed index 8"),
            "{}",
            v.facts
        );
    }

    #[test]
    fn a_compaction_drops_only_what_the_snapshot_holds() {
        let mut o = Observer::default();
        o.compacted(1, 1, 4, 8, 8);
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.compacted(2, 1, 9, 8, 12);
        let v = o.violation().unwrap();
        assert_eq!(v.invariant, "compaction");
        assert!(
            v.facts.contains("up to 9 past its snapshot at 8"),
            "{}",
            v.facts
        );
        let mut o = Observer::default();
        o.compacted(1, 1, 4, 8, 6);
        assert_eq!(o.violation().unwrap().invariant, "compaction");
    }
}
