//! Which links are cut, and by how many faults. A link is cut while any fault cuts
//! it: undoing one fault restores only what no other fault still cuts (a partition
//! healing under a concurrent clog leaves the clogged link down).

use std::collections::BTreeMap;

/// Cut counts per link; `K` names a link (e.g. `(src, dst)`).
#[derive(Clone, Debug)]
pub struct LinkCuts<K: Ord> {
    counts: BTreeMap<K, u32>,
}

impl<K: Ord> Default for LinkCuts<K> {
    fn default() -> Self {
        LinkCuts {
            counts: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Clone> LinkCuts<K> {
    /// One more fault cuts `link`; returns true if it was open until now.
    pub fn cut(&mut self, link: K) -> bool {
        let n = self.counts.entry(link).or_default();
        *n += 1;
        *n == 1
    }

    /// One fault that cut `link` is undone; returns true if the link is now open
    /// (false if another fault still cuts it, or it was not cut).
    pub fn restore(&mut self, link: &K) -> bool {
        match self.counts.get_mut(link) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                self.counts.remove(link);
                true
            }
            None => false,
        }
    }

    /// Restores every link at once (a global heal); returns those that were cut.
    pub fn restore_all(&mut self) -> Vec<K> {
        std::mem::take(&mut self.counts).into_keys().collect()
    }

    /// Whether `link` is cut now.
    pub fn is_cut(&self, link: &K) -> bool {
        self.counts.contains_key(link)
    }

    /// The links cut now.
    pub fn cut_links(&self) -> impl Iterator<Item = &K> {
        self.counts.keys()
    }

    /// Whether no link is cut.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_cut_twice_needs_both_undone() {
        let mut cuts = LinkCuts::default();
        assert!(cuts.cut((1, 2)), "partition cuts 1->2");
        assert!(!cuts.cut((1, 2)), "a clog of 1->2 finds it cut already");
        assert!(cuts.cut((2, 1)));
        assert!(
            !cuts.restore(&(1, 2)),
            "healing the partition leaves the clog"
        );
        assert!(cuts.restore(&(2, 1)));
        assert_eq!(cuts.cut_links().collect::<Vec<_>>(), vec![&(1, 2)]);
        assert!(cuts.restore(&(1, 2)), "unclogging opens it");
        assert!(!cuts.restore(&(1, 2)), "an open link stays open");
        assert!(cuts.is_empty());
    }

    #[test]
    fn a_global_heal_restores_everything_once() {
        let mut cuts = LinkCuts::default();
        cuts.cut((1, 2));
        cuts.cut((1, 2));
        cuts.cut((3, 1));
        assert_eq!(cuts.restore_all(), vec![(1, 2), (3, 1)]);
        assert!(cuts.is_empty());
    }
}
