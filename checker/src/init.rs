//! A model's initial value, given as EDN on the command line (`linsim check --init 0`,
//! `--init '{:x 0 :y 0}'`), as Knossos's tests build their models: `(cas-register 0)`,
//! `(multi-register {:x 0 :y 0})`.

use crate::formats::edn_value;
use crate::history::Value;

/// An initial value: one value (a register's), or values by name (a multi-register's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Init {
    /// One value.
    Value(Value),
    /// Values by register name, in the order given.
    Map(Vec<(Value, Value)>),
}

/// Reads an initial value from EDN text: a value as the history's values are read
/// (nil, a boolean, an integer, a string, a keyword, a collection of them), or a map
/// of such values.
pub fn parse_init(text: &str) -> Result<Init, String> {
    let edn = edn_format::parse_str(text)
        .map_err(|e| format!("--init {text:?} is not EDN: {}", e.error))?;
    match &edn {
        edn_format::Value::Map(m) => m
            .iter()
            .map(|(k, v)| Ok((edn_value(k)?, edn_value(v)?)))
            .collect::<Result<_, String>>()
            .map(Init::Map),
        other => edn_value(other).map(Init::Value),
    }
    .map_err(|e| format!("--init {text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_maps_read_as_history_values() {
        assert_eq!(parse_init("0"), Ok(Init::Value(Value::Int(0))));
        assert_eq!(parse_init("nil"), Ok(Init::Value(Value::Nil)));
        assert_eq!(
            parse_init("{:x 0 :y \"a\"}"),
            Ok(Init::Map(vec![
                (Value::keyword("x"), Value::Int(0)),
                (Value::keyword("y"), Value::Str("a".into())),
            ]))
        );
        assert!(parse_init("{:x 1.5}")
            .unwrap_err()
            .contains("unsupported value"));
        assert!(parse_init("[1").unwrap_err().contains("is not EDN"));
    }
}
