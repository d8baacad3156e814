//! EDN values to history values: keywords stay keywords, vectors, lists and sets
//! become lists, and anything a model cannot compare is an error.

use crate::history::Value;
use edn_format::Value as Edn;

/// The history value of an EDN value, or what is wrong with it.
pub fn to_value(v: &Edn) -> Result<Value, String> {
    match v {
        Edn::Nil => Ok(Value::Nil),
        Edn::Boolean(b) => Ok(Value::Bool(*b)),
        Edn::Integer(i) => Ok(Value::Int(*i)),
        Edn::String(s) => Ok(Value::Str(s.clone())),
        Edn::Character(c) => Ok(Value::Str(c.to_string())),
        Edn::Keyword(k) => Ok(Value::Keyword(keyword_name(k))),
        Edn::Vector(vs) | Edn::List(vs) => vs.iter().map(to_value).collect::<Result<_, _>>().map(Value::List),
        Edn::Set(vs) => {
            let mut out: Vec<Value> = vs.iter().map(to_value).collect::<Result<_, _>>()?;
            out.sort();
            Ok(Value::List(out))
        }
        other => Err(format!(
            "unsupported value {}: expected nil, a boolean, an integer, a string, a keyword, or a vector, list or set of them",
            edn_format::emit_str(other)
        )),
    }
}

/// A keyword's name as linsim stores it: `name` or `ns/name`, without the colon.
pub fn keyword_name(k: &edn_format::Keyword) -> String {
    match k.namespace() {
        Some(ns) => format!("{ns}/{}", k.name()),
        None => k.name().to_string(),
    }
}

/// A key as an operation's `key` string: a string as is, anything else as EDN text
/// (`1`, `:x`).
pub fn key_string(k: &Edn) -> String {
    match k {
        Edn::String(s) => s.clone(),
        other => edn_format::emit_str(other),
    }
}

/// A history value as EDN text.
pub fn emit(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => edn_format::emit_str(&Edn::String(s.clone())),
        Value::Keyword(k) => format!(":{k}"),
        Value::List(vs) => format!("[{}]", vs.iter().map(emit).collect::<Vec<_>>().join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_strings_stay_apart_and_round_trip() {
        for text in [":x", "\"x\"", ":ns/y", "[1 :a \"b\" nil [true]]", "-7"] {
            let v = to_value(&edn_format::parse_str(text).unwrap()).unwrap();
            assert_eq!(emit(&v), text);
        }
        let kw = to_value(&edn_format::parse_str(":x").unwrap()).unwrap();
        let s = to_value(&edn_format::parse_str("\"x\"").unwrap()).unwrap();
        assert_ne!(kw, s);
        let set = to_value(&edn_format::parse_str("#{3 1 2}").unwrap()).unwrap();
        assert_eq!(emit(&set), "[1 2 3]");
        assert!(to_value(&edn_format::parse_str("{:a 1}").unwrap()).is_err());
    }
}
