//! The replicated state machine: a key-value store, and the client protocol.

use crate::probes::probe;
use crate::structures::{self, Applied, Micro};
use linsim_checker::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A state-machine command, as proposed to raft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvCommand {
    /// Read a key (nil if absent).
    Get {
        /// The key.
        key: String,
    },
    /// Overwrite a key.
    Put {
        /// The key.
        key: String,
        /// The new value.
        #[serde(with = "linsim_sim::system::value_wire")]
        value: Value,
    },
    /// Append a string to a key's string value (absent counts as "").
    Append {
        /// The key.
        key: String,
        /// The suffix.
        value: String,
    },
    /// Compare-and-set: swap to `to` iff the value is `from`.
    Cas {
        /// The key.
        key: String,
        /// The expected value.
        #[serde(with = "linsim_sim::system::value_wire")]
        from: Value,
        /// The new value.
        #[serde(with = "linsim_sim::system::value_wire")]
        to: Value,
    },
    // New commands go last: postcard numbers variants in order, and the seeds'
    // entries keep their bytes.
    /// Add an element to a set.
    SetAdd {
        /// The key.
        key: String,
        /// The element.
        #[serde(with = "linsim_sim::system::value_wire")]
        element: Value,
    },
    /// Add to a counter.
    Increment {
        /// The key.
        key: String,
        /// How much.
        by: i64,
    },
    /// Append an element to a queue.
    Enqueue {
        /// The key.
        key: String,
        /// The element.
        #[serde(with = "linsim_sim::system::value_wire")]
        element: Value,
    },
    /// Take the element at a queue's head.
    Dequeue {
        /// The key.
        key: String,
    },
    /// Take a lock for an owner (a client's token), if it is free.
    Acquire {
        /// The key.
        key: String,
        /// Who takes it.
        owner: i64,
    },
    /// Free a lock its owner holds.
    Release {
        /// The key.
        key: String,
        /// Who frees it.
        owner: i64,
    },
    /// A transaction of reads and appends over lists, applied atomically.
    Txn {
        /// Its micro-operations, in order.
        micros: Vec<Micro>,
    },
}

/// The result of applying a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvResult {
    /// A read's value.
    Value(#[serde(with = "linsim_sim::system::value_wire")] Value),
    /// A write or append was applied.
    Done,
    /// Whether a cas swapped.
    Swapped(bool),
    /// The command did not happen (a lock held by another, a key holding another kind
    /// of value): the client hears a failure.
    Refused,
}

impl From<Applied> for KvResult {
    fn from(a: Applied) -> KvResult {
        match a {
            Applied::Value(Value::Nil) => KvResult::Done,
            Applied::Value(v) => KvResult::Value(v),
            Applied::Refused => KvResult::Refused,
        }
    }
}

/// What a server proposes: the command and the request that asked for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The client request id (unique in the run).
    pub request: u64,
    /// The command.
    pub command: KvCommand,
}

impl Proposal {
    /// The proposal as a log entry's data (postcard, as everything on the wire).
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("proposals serialize")
    }

    /// The proposal in a committed entry's data.
    pub fn from_bytes(data: &[u8]) -> Proposal {
        postcard::from_bytes(data).expect("committed entries are proposals")
    }
}

/// A client request to a server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Unique in the run.
    pub id: u64,
    /// The command.
    pub command: KvCommand,
}

/// A server's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The command was applied with this result.
    Ok {
        /// The request answered.
        id: u64,
        /// Its result.
        result: KvResult,
    },
    /// This server did not propose the request; try `leader` (0: unknown).
    NotLeader {
        /// The request answered.
        id: u64,
        /// The leader this server knows of.
        leader: u64,
    },
}

/// The records (keys and session results) a state may hold and still be snapshotted
/// every `snapshot_every` entries (see `KvStore::snapshot_due`).
pub const SNAPSHOT_SMALL_STATE_RECORDS: u64 = 4096;

/// The records a larger state's snapshots write per applied entry, on average, at
/// most (see `KvStore::snapshot_due`).
pub const SNAPSHOT_RECORDS_PER_ENTRY: u64 = 16;

/// The key-value state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KvStore {
    data: BTreeMap<String, Value>,
    /// The result of every request applied, by request id (the clients' sessions).
    results: BTreeMap<u64, KvResult>,
    /// Whether requests are applied at most once (off only for the `session-reapply` bug).
    sessions: bool,
}

impl KvStore {
    /// An empty store; `sessions` off applies a resent request again (a bug).
    pub fn new(sessions: bool) -> KvStore {
        KvStore {
            sessions,
            ..KvStore::default()
        }
    }

    /// Applies the command of client request `request` once. A request already
    /// applied (resent by its client, or a forwarded proposal duplicated by the
    /// network, so in the log twice) changes nothing and gets its first result.
    pub fn apply_request(&mut self, request: u64, cmd: &KvCommand) -> KvResult {
        if !self.sessions {
            return self.apply(cmd);
        }
        if let Some(r) = self.results.get(&request) {
            probe!(DuplicateRequestNotReapplied);
            return r.clone();
        }
        let r = self.apply(cmd);
        self.results.insert(request, r.clone());
        r
    }

    /// Whether requests are applied at most once.
    pub fn sessions(&self) -> bool {
        self.sessions
    }

    /// The result of `request`, if it was applied.
    pub fn result_of(&self, request: u64) -> Option<&KvResult> {
        self.results.get(&request)
    }

    /// Applies a command.
    pub fn apply(&mut self, cmd: &KvCommand) -> KvResult {
        match cmd {
            KvCommand::Get { key } => KvResult::Value(self.get(key)),
            KvCommand::Put { key, value } => {
                self.data.insert(key.clone(), value.clone());
                KvResult::Done
            }
            KvCommand::Append { key, value } => {
                let mut s = match self.data.get(key) {
                    Some(Value::Str(s)) => s.clone(),
                    Some(Value::Nil) | None => String::new(),
                    Some(other) => other.to_string(),
                };
                s.push_str(value);
                self.data.insert(key.clone(), Value::Str(s));
                KvResult::Done
            }
            KvCommand::Cas { key, from, to } => {
                let swapped = self.get(key) == *from;
                if swapped {
                    self.data.insert(key.clone(), to.clone());
                }
                KvResult::Swapped(swapped)
            }
            KvCommand::SetAdd { key, element } => {
                structures::set_add(&mut self.data, key, element).into()
            }
            KvCommand::Increment { key, by } => {
                structures::increment(&mut self.data, key, *by).into()
            }
            KvCommand::Enqueue { key, element } => {
                structures::enqueue(&mut self.data, key, element).into()
            }
            KvCommand::Dequeue { key } => structures::dequeue(&mut self.data, key).into(),
            KvCommand::Acquire { key, owner } => {
                structures::acquire(&mut self.data, key, *owner).into()
            }
            KvCommand::Release { key, owner } => {
                structures::release(&mut self.data, key, *owner).into()
            }
            KvCommand::Txn { micros } => structures::transact(&mut self.data, micros).into(),
        }
    }

    /// Whether the state machine is due a snapshot after applying `index`, with
    /// `every` the `snapshot_every` knob (0: never).
    ///
    /// Snapshots fall on multiples of a stride, so every server whose state machine
    /// agrees snapshots the same indexes and the observer compares them there. The
    /// stride is `every` while the state holds at most `SNAPSHOT_SMALL_STATE_RECORDS`
    /// records (keys and session results); past that it is the smallest power-of-two
    /// multiple of `every` that spreads a snapshot's records over entries at most
    /// `SNAPSHOT_RECORDS_PER_ENTRY` to an entry. Why: each snapshot writes the whole
    /// state, so a fixed stride costs, over a run, the square of its length (kv 240 s:
    /// most of the run's time went to writing and installing snapshots); a stride that
    /// grows with the state keeps it linear, as etcd's 10,000-entry stride and Redis's
    /// rewrite-on-double keep theirs. A short run's state stays small, so its snapshots
    /// fall every `every` entries as the knob says. The stride is a function of the
    /// state, which every server agrees on at an index (the observer checks it).
    pub fn snapshot_due(&self, index: u64, every: u64) -> bool {
        if every == 0 {
            return false;
        }
        let records = (self.data.len() + self.results.len()) as u64;
        let stride = if records <= SNAPSHOT_SMALL_STATE_RECORDS {
            every
        } else {
            let strides = records.div_ceil(every * SNAPSHOT_RECORDS_PER_ENTRY);
            every * strides.next_power_of_two()
        };
        index.is_multiple_of(stride)
    }

    /// The value of a key (nil if absent), without going through the log.
    pub fn get(&self, key: &str) -> Value {
        self.data.get(key).cloned().unwrap_or(Value::Nil)
    }

    /// The state machine as snapshot bytes: the data and the client sessions. The
    /// sessions must travel with the data: a server that installs a snapshot without
    /// them would apply a resent request a second time.
    pub fn snapshot(&self) -> Vec<u8> {
        self.snapshot_with(&self.results)
    }

    /// Snapshot bytes without the client sessions (the `snapshot-drops-sessions` bug).
    pub fn snapshot_without_sessions(&self) -> Vec<u8> {
        self.snapshot_with(&BTreeMap::new())
    }

    fn snapshot_with(&self, results: &BTreeMap<u64, KvResult>) -> Vec<u8> {
        postcard::to_allocvec(&SnapshotData {
            data: &self.data,
            results,
        })
        .expect("the state machine serializes")
    }

    /// A state machine restored from `snapshot` bytes (`sessions` as in `new`).
    pub fn restore(snapshot: &[u8], sessions: bool) -> KvStore {
        let s: OwnedSnapshotData =
            postcard::from_bytes(snapshot).expect("snapshots hold a state machine");
        KvStore {
            data: s.data,
            results: s.results,
            sessions,
        }
    }
}

/// The snapshot format of `KvStore` (BTreeMaps, so equal states give equal bytes: the
/// observer compares snapshot digests across nodes).
#[derive(Serialize)]
struct SnapshotData<'a> {
    #[serde(with = "linsim_sim::system::value_wire::map")]
    data: &'a BTreeMap<String, Value>,
    results: &'a BTreeMap<u64, KvResult>,
}

#[derive(Deserialize)]
struct OwnedSnapshotData {
    #[serde(with = "linsim_sim::system::value_wire::map")]
    data: BTreeMap<String, Value>,
    results: BTreeMap<u64, KvResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_apply_as_specified() {
        let mut kv = KvStore::default();
        let k = || "k".to_string();
        assert_eq!(
            kv.apply(&KvCommand::Get { key: k() }),
            KvResult::Value(Value::Nil)
        );
        kv.apply(&KvCommand::Append {
            key: k(),
            value: "a".into(),
        });
        kv.apply(&KvCommand::Append {
            key: k(),
            value: "b".into(),
        });
        assert_eq!(kv.get("k"), Value::Str("ab".into()));
        let cas = |from: &str, to: &str| KvCommand::Cas {
            key: k(),
            from: Value::Str(from.into()),
            to: Value::Str(to.into()),
        };
        assert_eq!(kv.apply(&cas("x", "y")), KvResult::Swapped(false));
        assert_eq!(kv.apply(&cas("ab", "y")), KvResult::Swapped(true));
        kv.apply(&KvCommand::Put {
            key: k(),
            value: Value::Int(3),
        });
        assert_eq!(kv.get("k"), Value::Int(3));
    }

    #[test]
    fn snapshots_fall_every_few_entries_until_the_state_grows() {
        let mut kv = KvStore::new(true);
        let due =
            |kv: &KvStore| -> Vec<u64> { (1..=2048).filter(|&i| kv.snapshot_due(i, 32)).collect() };
        assert_eq!(due(&kv).len(), 64, "every 32 entries");
        assert!(!kv.snapshot_due(32, 0), "0: never");
        let put = |kv: &mut KvStore, request: u64| {
            let cmd = KvCommand::Put {
                key: format!("k{}", request % 100),
                value: Value::Int(request as i64),
            };
            kv.apply_request(request, &cmd);
        };
        // 100 keys and 3996 results: still small.
        (0..SNAPSHOT_SMALL_STATE_RECORDS - 100).for_each(|r| put(&mut kv, r));
        assert_eq!(due(&kv).len(), 64);
        // One more: 4097 records over 16 a entry is 257 entries, so every 32 × 16.
        put(&mut kv, SNAPSHOT_SMALL_STATE_RECORDS);
        assert_eq!(due(&kv), [512, 1024, 1536, 2048]);
    }

    #[test]
    fn a_snapshot_restores_data_and_sessions() {
        let mut kv = KvStore::new(true);
        let put = KvCommand::Put {
            key: "k".into(),
            value: Value::Int(1),
        };
        kv.apply_request(7, &put);
        let restored = KvStore::restore(&kv.snapshot(), true);
        assert_eq!(restored, kv);
        assert_eq!(restored.result_of(7), Some(&KvResult::Done));
        assert_eq!(
            restored.snapshot(),
            kv.snapshot(),
            "equal states, equal bytes"
        );
    }
}
