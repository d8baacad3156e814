//! The data structures linsim-kv serves besides registers, each applied atomically by
//! the state machine (so through Raft): sets, counters, queues, locks held by a
//! client, and transactions of reads and appends over lists, as Jepsen's set, counter,
//! queue, lock and append workloads drive them. Every structure lives in a key's value
//! (`Value`); an operation on a key that holds another kind of value is refused.

use linsim_checker::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an operation on a structure did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// It happened and returned this value (nil for blind updates).
    Value(Value),
    /// It did not happen: the lock is held by another, released by nobody, or the key
    /// holds another kind of value.
    Refused,
}

/// One micro-operation of a transaction over lists, as Jepsen's list-append workload
/// writes them: `[:append k v]` appends v to key k's list, `[:r k nil]` reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Micro {
    /// Append an element to the list at a key.
    Append {
        /// The key.
        key: String,
        /// The element.
        element: i64,
    },
    /// Read the list at a key.
    Read {
        /// The key.
        key: String,
    },
}

/// Adds `element` to the set at `key` (kept sorted, each element once).
pub fn set_add(data: &mut BTreeMap<String, Value>, key: &str, element: &Value) -> Applied {
    let mut set = match data.get(key) {
        None | Some(Value::Nil) => vec![],
        Some(Value::List(vs)) => vs.clone(),
        Some(_) => return Applied::Refused,
    };
    if let Err(at) = set.binary_search(element) {
        set.insert(at, element.clone());
    }
    data.insert(key.to_string(), Value::List(set));
    Applied::Value(Value::Nil)
}

/// Adds `by` to the counter at `key` (absent counts as 0).
pub fn increment(data: &mut BTreeMap<String, Value>, key: &str, by: i64) -> Applied {
    let n = match data.get(key) {
        None | Some(Value::Nil) => 0,
        Some(Value::Int(n)) => *n,
        Some(_) => return Applied::Refused,
    };
    data.insert(key.to_string(), Value::Int(n.wrapping_add(by)));
    Applied::Value(Value::Nil)
}

/// Appends `element` to the queue at `key`.
pub fn enqueue(data: &mut BTreeMap<String, Value>, key: &str, element: &Value) -> Applied {
    append_element(data, key, element.clone())
}

/// Takes the element at the head of the queue at `key` (nil if it is empty).
pub fn dequeue(data: &mut BTreeMap<String, Value>, key: &str) -> Applied {
    match data.get_mut(key) {
        None | Some(Value::Nil) => Applied::Value(Value::Nil),
        Some(Value::List(vs)) if vs.is_empty() => Applied::Value(Value::Nil),
        Some(Value::List(vs)) => Applied::Value(vs.remove(0)),
        Some(_) => Applied::Refused,
    }
}

/// Takes the lock at `key` for `owner` if nobody holds it. A lock records its holder,
/// so only the holder releases it, as a lock held by a client session is.
pub fn acquire(data: &mut BTreeMap<String, Value>, key: &str, owner: i64) -> Applied {
    match data.get(key) {
        None | Some(Value::Nil) => {
            data.insert(key.to_string(), Value::Int(owner));
            Applied::Value(Value::Nil)
        }
        Some(_) => Applied::Refused,
    }
}

/// Frees the lock at `key` if `owner` holds it.
pub fn release(data: &mut BTreeMap<String, Value>, key: &str, owner: i64) -> Applied {
    match data.get(key) {
        Some(Value::Int(holder)) if *holder == owner => {
            data.remove(key);
            Applied::Value(Value::Nil)
        }
        _ => Applied::Refused,
    }
}

/// Runs a transaction's micro-operations in order, atomically: it returns them with
/// each read's list filled in, as Jepsen's append workload expects
/// (`[[:append k v] [:r k [..]]]`, keys as integers where they are). A key that holds
/// something other than a list refuses the whole transaction, and nothing changes.
pub fn transact(data: &mut BTreeMap<String, Value>, micros: &[Micro]) -> Applied {
    let touched = micros.iter().map(|m| match m {
        Micro::Append { key, .. } | Micro::Read { key } => key,
    });
    for key in touched {
        if !matches!(
            data.get(key),
            None | Some(Value::Nil) | Some(Value::List(_))
        ) {
            return Applied::Refused;
        }
    }
    let mut done = Vec::with_capacity(micros.len());
    for m in micros {
        match m {
            Micro::Append { key, element } => {
                append_element(data, key, Value::Int(*element));
                done.push(Value::List(vec![
                    Value::keyword("append"),
                    key_value(key),
                    Value::Int(*element),
                ]));
            }
            Micro::Read { key } => {
                let list = match data.get(key) {
                    Some(Value::List(vs)) => Value::List(vs.clone()),
                    _ => Value::Nil,
                };
                done.push(Value::List(vec![Value::keyword("r"), key_value(key), list]));
            }
        }
    }
    Applied::Value(Value::List(done))
}

/// A transaction key as the history writes it: an integer where it is one (Jepsen's
/// append keys are), else the string.
fn key_value(key: &str) -> Value {
    key.parse::<i64>()
        .map(Value::Int)
        .unwrap_or_else(|_| Value::Str(key.to_string()))
}

fn append_element(data: &mut BTreeMap<String, Value>, key: &str, element: Value) -> Applied {
    match data.entry(key.to_string()).or_insert(Value::Nil) {
        v @ Value::Nil => *v = Value::List(vec![element]),
        Value::List(vs) => vs.push(element),
        _ => return Applied::Refused,
    }
    Applied::Value(Value::Nil)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structures_apply_as_jepsen_workloads_expect() {
        let mut d = BTreeMap::new();
        let int = Value::Int;
        set_add(&mut d, "s", &int(3));
        set_add(&mut d, "s", &int(1));
        set_add(&mut d, "s", &int(3));
        assert_eq!(d["s"], Value::List(vec![int(1), int(3)]));
        assert_eq!(
            increment(&mut d, "s", 1),
            Applied::Refused,
            "a set is no counter"
        );
        increment(&mut d, "c", 2);
        increment(&mut d, "c", 5);
        assert_eq!(d["c"], int(7));
        enqueue(&mut d, "q", &int(1));
        enqueue(&mut d, "q", &int(2));
        assert_eq!(dequeue(&mut d, "q"), Applied::Value(int(1)));
        assert_eq!(dequeue(&mut d, "q"), Applied::Value(int(2)));
        assert_eq!(dequeue(&mut d, "q"), Applied::Value(Value::Nil));
        assert_eq!(acquire(&mut d, "l", 7), Applied::Value(Value::Nil));
        assert_eq!(acquire(&mut d, "l", 8), Applied::Refused);
        assert_eq!(release(&mut d, "l", 8), Applied::Refused, "not the holder");
        assert_eq!(release(&mut d, "l", 7), Applied::Value(Value::Nil));
        assert_eq!(release(&mut d, "l", 7), Applied::Refused, "released once");
        let txn = [
            Micro::Read { key: "1".into() },
            Micro::Append {
                key: "1".into(),
                element: 4,
            },
            Micro::Read { key: "1".into() },
        ];
        let kw = Value::keyword;
        assert_eq!(
            transact(&mut d, &txn),
            Applied::Value(Value::List(vec![
                Value::List(vec![kw("r"), int(1), Value::Nil]),
                Value::List(vec![kw("append"), int(1), int(4)]),
                Value::List(vec![kw("r"), int(1), Value::List(vec![int(4)])]),
            ]))
        );
        let bad = [
            Micro::Append {
                key: "1".into(),
                element: 5,
            },
            Micro::Read { key: "c".into() },
        ];
        assert_eq!(transact(&mut d, &bad), Applied::Refused);
        assert_eq!(
            d["1"],
            Value::List(vec![int(4)]),
            "a refused txn changes nothing"
        );
    }
}
