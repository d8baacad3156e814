//! Clojure's view of EDN values, where linsim's differs: equality (`=`), and the kinds
//! of value a history mixes that linsim's values cannot keep apart.

use crate::formats::{ParseError, Pos};
use edn_format::Value as Edn;

/// Clojure's `=` on two EDN values: vectors equal lists with equal elements, an integer
/// never equals a float, a character never equals a string, sets and maps compare by
/// their elements.
pub fn clj_eq(a: &Edn, b: &Edn) -> bool {
    match (a, b) {
        (Edn::Vector(x) | Edn::List(x), Edn::Vector(y) | Edn::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| clj_eq(p, q))
        }
        (Edn::Set(x), Edn::Set(y)) => {
            x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| clj_eq(p, q)))
        }
        (Edn::Map(x), Edn::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| clj_eq(k, k2) && clj_eq(v, v2)))
        }
        (Edn::Integer(i), Edn::BigInt(n)) | (Edn::BigInt(n), Edn::Integer(i)) => *n == (*i).into(),
        (Edn::TaggedElement(t1, v1), Edn::TaggedElement(t2, v2)) => t1 == t2 && clj_eq(v1, v2),
        _ => a == b,
    }
}

/// The first place each kind of value occurs in a history's values, to refuse the
/// mixtures linsim would compare otherwise than Clojure: a character and a string
/// (`\a` is a string of one character to linsim, and never `=` to `"a"` in Clojure), a
/// set and a vector or list (both are lists to linsim; never `=` in Clojure).
#[derive(Clone, Debug, Default)]
pub struct Kinds {
    char: Option<(Pos, String)>,
    string: Option<(Pos, String)>,
    set: Option<(Pos, String)>,
    sequence: Option<(Pos, String)>,
}

fn first(slot: &mut Option<(Pos, String)>, pos: Pos, v: &Edn) {
    if slot.is_none() {
        *slot = Some((pos, edn_format::emit_str(v)));
    }
}

impl Kinds {
    /// Notes the kinds inside `v`, a value of the entry at `pos`. With `elements`, `v`
    /// is a collection of elements (a set read) whose own kind is not compared.
    pub fn note(&mut self, pos: Pos, v: &Edn, elements: bool) {
        match v {
            Edn::Character(_) => first(&mut self.char, pos, v),
            Edn::String(_) => first(&mut self.string, pos, v),
            Edn::Vector(vs) | Edn::List(vs) => {
                if !elements {
                    first(&mut self.sequence, pos, v);
                }
                vs.iter().for_each(|x| self.note(pos, x, false));
            }
            Edn::Set(vs) => {
                if !elements {
                    first(&mut self.set, pos, v);
                }
                vs.iter().for_each(|x| self.note(pos, x, false));
            }
            Edn::TaggedElement(_, inner) => self.note(pos, inner, false),
            _ => {}
        }
    }

    /// An error if the history mixes kinds Clojure keeps apart and linsim would not.
    pub fn check(&self, file: &str) -> Result<(), ParseError> {
        let pairs = [
            (&self.char, &self.string, "a character", "a string"),
            (&self.set, &self.sequence, "a set", "a vector or list"),
        ];
        for (a, b, a_name, b_name) in pairs {
            let (Some((pa, va)), Some((pb, vb))) = (a, b) else {
                continue;
            };
            let (later, _) = if pa > pb { (pa, pb) } else { (pb, pa) };
            return Err(ParseError::at_pos(
                file,
                *later,
                format!(
                    "the history's values mix {a_name} ({va}, line {}) and {b_name} ({vb}, line {}): Clojure never finds them equal, linsim's values would not tell them apart; write the values with one kind",
                    pa.line, pb.line
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edn(s: &str) -> Edn {
        edn_format::parse_str(s).unwrap()
    }

    #[test]
    fn equality_is_clojures() {
        assert!(clj_eq(&edn("[1 2]"), &edn("(1 2)")));
        assert!(clj_eq(&edn("#{[1] 2}"), &edn("#{2 (1)}")));
        assert!(clj_eq(&edn("1"), &edn("1N")));
        assert!(!clj_eq(&edn("\\a"), &edn("\"a\"")));
        assert!(!clj_eq(&edn("1"), &edn("1.0")));
        assert!(!clj_eq(&edn("#{1}"), &edn("[1]")));
        assert!(!clj_eq(&edn(":a"), &edn("\"a\"")));
        assert!(clj_eq(&edn("{:a [1]}"), &edn("{:a (1)}")));
    }

    #[test]
    fn mixed_kinds_are_refused_with_both_places() {
        let mut k = Kinds::default();
        k.note(Pos::line(1), &edn("\\a"), false);
        k.note(Pos::line(3), &edn("[\"b\"]"), false);
        let e = k.check("h.edn").unwrap_err().to_string();
        assert!(e.starts_with("h.edn:3: the history's values mix a character (\\a, line 1) and a string (\"b\", line 3)"), "{e}");
        let mut k = Kinds::default();
        k.note(Pos::line(2), &edn("#{1 2}"), true);
        k.note(Pos::line(4), &edn("[2 1]"), true);
        k.check("h.edn").unwrap();
    }
}
