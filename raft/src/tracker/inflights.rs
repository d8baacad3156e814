//! The window of MsgApps in flight to one follower.

use std::collections::VecDeque;

/// A bounded FIFO of the last index of each MsgApp sent and not yet acknowledged, as
/// etcd's `Inflights`. Full when it holds `capacity` messages or `max_bytes` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inflights {
    buffer: VecDeque<(u64, u64)>,
    capacity: usize,
    bytes: u64,
    max_bytes: u64,
}

impl Inflights {
    /// A window of at most `capacity` messages and `max_bytes` bytes (0: unlimited).
    pub fn new(capacity: usize, max_bytes: u64) -> Inflights {
        Inflights {
            buffer: VecDeque::new(),
            capacity,
            bytes: 0,
            max_bytes,
        }
    }

    /// Records a message whose last entry is `index`, carrying `bytes` bytes.
    pub fn add(&mut self, index: u64, bytes: u64) {
        assert!(!self.full(), "cannot add into a full inflights");
        self.buffer.push_back((index, bytes));
        self.bytes += bytes;
    }

    /// Frees every message whose last index is `<= to` (they were acknowledged).
    pub fn free_le(&mut self, to: u64) {
        while let Some(&(index, bytes)) = self.buffer.front() {
            if index > to {
                break;
            }
            self.bytes -= bytes;
            self.buffer.pop_front();
        }
    }

    /// Whether no more messages may be sent.
    pub fn full(&self) -> bool {
        self.buffer.len() >= self.capacity || (self.max_bytes != 0 && self.bytes >= self.max_bytes)
    }

    /// The number of messages in flight.
    pub fn count(&self) -> usize {
        self.buffer.len()
    }

    /// Forgets everything in flight.
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_by_count_and_frees_acknowledged_prefix() {
        let mut w = Inflights::new(3, 0);
        w.add(2, 10);
        w.add(5, 10);
        assert!(!w.full());
        w.add(9, 10);
        assert!(w.full());
        w.free_le(5);
        assert_eq!(w.count(), 1);
        assert!(!w.full());
        w.free_le(100);
        assert_eq!(w.count(), 0);
    }

    #[test]
    fn fills_by_bytes() {
        let mut w = Inflights::new(100, 25);
        w.add(1, 10);
        w.add(2, 10);
        assert!(!w.full());
        w.add(3, 10);
        assert!(w.full());
        w.free_le(1);
        assert!(!w.full());
    }
}
