//! Numbering the distinct values of a partition, so queue states hold small integers.

use crate::history::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The distinct values of a partition, numbered in value order.
#[derive(Clone, Debug, Default)]
pub struct Elements {
    index: BTreeMap<Value, u32>,
    values: Arc<Vec<Value>>,
}

impl Elements {
    /// Numbers `values` (duplicates once).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a Value>) -> Elements {
        let mut index: BTreeMap<Value, u32> = BTreeMap::new();
        for v in values {
            index.insert(v.clone(), 0);
        }
        for (i, slot) in index.values_mut().enumerate() {
            *slot = i as u32;
        }
        let values = Arc::new(index.keys().cloned().collect());
        Elements { index, values }
    }

    /// The number of `v`, which must be one of the numbered values.
    pub fn number(&self, v: &Value) -> u32 {
        self.index[v]
    }

    /// The value numbered `i`.
    pub fn value(&self, i: u32) -> &Value {
        &self.values[i as usize]
    }

    /// How many distinct values there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }
}
