//! `Value` in binary serde formats. Its JSON form is untagged (a history reads
//! naturally), and untagged enums need a self-describing format: in postcard (the
//! simulator's wire, proposals and snapshots) a value travels as a tagged mirror
//! instead. JSON keeps the untagged form. Use with `#[serde(with = "...")]`.

use linsim_checker::Value;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value as binary formats carry it, borrowed for serializing.
#[derive(Serialize)]
enum WireRef<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Str(&'a str),
    List(Vec<WireRef<'a>>),
    Keyword(&'a str),
}

/// A value as binary formats carry it (variants in `WireRef`'s order).
#[derive(Deserialize)]
enum Wire {
    Nil,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Wire>),
    Keyword(String),
}

impl<'a> From<&'a Value> for WireRef<'a> {
    fn from(v: &'a Value) -> WireRef<'a> {
        match v {
            Value::Nil => WireRef::Nil,
            Value::Bool(b) => WireRef::Bool(*b),
            Value::Int(i) => WireRef::Int(*i),
            Value::Str(s) => WireRef::Str(s),
            Value::List(l) => WireRef::List(l.iter().map(WireRef::from).collect()),
            Value::Keyword(k) => WireRef::Keyword(k),
        }
    }
}

impl From<Wire> for Value {
    fn from(w: Wire) -> Value {
        match w {
            Wire::Nil => Value::Nil,
            Wire::Bool(b) => Value::Bool(b),
            Wire::Int(i) => Value::Int(i),
            Wire::Str(s) => Value::Str(s),
            Wire::List(l) => Value::List(l.into_iter().map(Value::from).collect()),
            Wire::Keyword(k) => Value::Keyword(k),
        }
    }
}

/// Serializes a `Value` field.
pub fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        v.serialize(s)
    } else {
        WireRef::from(v).serialize(s)
    }
}

/// Deserializes a `Value` field.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    if d.is_human_readable() {
        Value::deserialize(d)
    } else {
        Wire::deserialize(d).map(Value::from)
    }
}

/// A map of values (`BTreeMap<String, Value>`).
pub mod map {
    use super::{Wire, WireRef};
    use linsim_checker::Value;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::borrow::Borrow;
    use std::collections::BTreeMap;

    /// Serializes a map of values.
    pub fn serialize<M, S>(m: &M, s: S) -> Result<S::Ok, S::Error>
    where
        M: Borrow<BTreeMap<String, Value>>,
        S: Serializer,
    {
        let m = m.borrow();
        if s.is_human_readable() {
            m.serialize(s)
        } else {
            s.collect_map(m.iter().map(|(k, v)| (k, WireRef::from(v))))
        }
    }

    /// Deserializes a map of values.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Value>, D::Error> {
        if d.is_human_readable() {
            BTreeMap::deserialize(d)
        } else {
            let wire = BTreeMap::<String, Wire>::deserialize(d)?;
            Ok(wire.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder(#[serde(with = "super")] Value);

    #[test]
    fn every_kind_of_value_round_trips_in_binary_and_json() {
        let v = Value::List(vec![
            Value::Nil,
            Value::Bool(true),
            Value::Int(-3),
            Value::Str("s".into()),
            Value::Keyword("k".into()),
        ]);
        let bin = postcard::to_allocvec(&Holder(v.clone())).expect("serializes");
        assert_eq!(postcard::from_bytes::<Holder>(&bin).expect("decodes").0, v);
        let json = serde_json::to_string(&Holder(v.clone())).expect("serializes");
        assert_eq!(json, serde_json::to_string(&v).expect("as Value does"));
        assert_eq!(serde_json::from_str::<Holder>(&json).expect("decodes").0, v);
    }
}
