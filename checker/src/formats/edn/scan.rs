//! Finding the op forms of an EDN file and where each starts, before `edn-format`
//! parses them one by one.
//!
//! A Jepsen history is a sequence of op maps: one top-level vector or list of them
//! (`[{...} {...}]`, `({...} {...})`), or the maps themselves one after another. The
//! scanner walks the whole text once, honouring strings, character literals, `;`
//! comments, `#_` discards, tags and sets, and returns every op form with its line and
//! column, so that an error in any of them can name its place. It also bounds nesting,
//! so no input can overflow the parser's stack.

use super::super::{ParseError, Pos};

/// Collections nested deeper than this are rejected (Jepsen values nest a few levels).
pub const MAX_DEPTH: usize = 64;

/// Prefixes (`#_`, tags) allowed before one form.
const MAX_PREFIXES: usize = 8;

/// One form of the history: its text and where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Form<'a> {
    /// The form's text, prefixes (`#_`, tags) included.
    pub text: &'a str,
    /// Where it starts.
    pub pos: Pos,
}

/// A form found at nesting depth 0 or 1.
struct Found {
    start: usize,
    end: usize,
    pos: Pos,
    /// The opening bracket of an unprefixed collection, else `None`.
    opener: Option<char>,
}

/// A walk over the text that knows the line and column of every byte it passes.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
    line: usize,
    column: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.text[self.at..].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | '"' | '(' | ')' | '[' | ']' | '{' | '}')
}

fn closer_of(opener: char) -> char {
    match opener {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// A prefix pending at one depth: where it started and how many there were.
#[derive(Clone, Copy)]
struct Prefix {
    start: usize,
    pos: Pos,
    count: usize,
}

/// Every form at depth 0 and 1, in order.
fn scan(file: &str, text: &str) -> Result<(Vec<Found>, Vec<Found>), ParseError> {
    let mut c = Cursor {
        text,
        at: 0,
        line: 1,
        column: 1,
    };
    let (mut top, mut inner) = (Vec::new(), Vec::new());
    // Open collections: (opener, start byte, start position, prefix before it).
    let mut open: Vec<(char, usize, Pos, Option<Prefix>)> = Vec::new();
    let mut prefix: Option<Prefix> = None;
    let err = |pos: Pos, msg: String| ParseError::at_pos(file, pos, msg);

    // Records a finished form that started at `start` (before any prefix).
    let mut finish = |depth: usize,
                      start: usize,
                      pos: Pos,
                      end: usize,
                      opener: Option<char>,
                      prefix: Option<Prefix>| {
        let (start, pos, opener) = match prefix {
            Some(p) => (p.start, p.pos, None),
            None => (start, pos, opener),
        };
        let found = Found {
            start,
            end,
            pos,
            opener,
        };
        match depth {
            0 => top.push(found),
            1 => inner.push(found),
            _ => {}
        }
    };

    while let Some(ch) = c.peek() {
        let (start, pos) = (c.at, c.pos());
        match ch {
            ';' => {
                while let Some(x) = c.bump() {
                    if x == '\n' {
                        break;
                    }
                }
            }
            _ if ch.is_whitespace() || ch == ',' => {
                c.bump();
            }
            '"' => {
                c.bump();
                loop {
                    match c.bump() {
                        None => return Err(err(pos, "unterminated string".into())),
                        Some('\\') => {
                            c.bump();
                        }
                        Some('"') => break,
                        Some(_) => {}
                    }
                }
                finish(open.len(), start, pos, c.at, None, prefix.take());
            }
            '(' | '[' | '{' => {
                c.bump();
                if open.len() >= MAX_DEPTH {
                    return Err(err(
                        pos,
                        format!("values nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                open.push((ch, start, pos, prefix.take()));
            }
            '#' if c.peek2() == Some('{') => {
                c.bump();
                c.bump();
                if open.len() >= MAX_DEPTH {
                    return Err(err(
                        pos,
                        format!("values nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                open.push(('#', start, pos, prefix.take()));
            }
            ')' | ']' | '}' => {
                c.bump();
                let Some((opener, ostart, opos, oprefix)) = open.pop() else {
                    return Err(err(pos, format!("unexpected `{ch}`: nothing is open")));
                };
                let want = closer_of(opener);
                if ch != want {
                    return Err(err(
                        pos,
                        format!(
                            "`{ch}` closes the `{}` opened at line {} column {} (expected `{want}`)",
                            if opener == '#' { "#{".to_string() } else { opener.to_string() },
                            opos.line,
                            opos.column
                        ),
                    ));
                }
                if let Some(p) = prefix.take() {
                    return Err(err(
                        p.pos,
                        format!("a `#` prefix with no form after it before `{ch}`"),
                    ));
                }
                finish(open.len(), ostart, opos, c.at, Some(opener), oprefix);
            }
            '#' => {
                // A discard (`#_`) or a tag (`#inst`, `#jepsen.independent.Tuple`): a
                // prefix of the next form.
                c.bump();
                if c.peek() == Some('_') {
                    c.bump();
                } else {
                    while c.peek().is_some_and(|x| !is_delimiter(x)) {
                        c.bump();
                    }
                }
                let p = prefix.get_or_insert(Prefix {
                    start,
                    pos,
                    count: 0,
                });
                p.count += 1;
                if p.count > MAX_PREFIXES {
                    return Err(err(
                        pos,
                        format!("more than {MAX_PREFIXES} `#` prefixes before one form"),
                    ));
                }
            }
            _ => {
                // An atom: a number, keyword, symbol, or character literal.
                c.bump();
                if ch == '\\' {
                    c.bump();
                }
                while c.peek().is_some_and(|x| !is_delimiter(x)) {
                    c.bump();
                }
                finish(open.len(), start, pos, c.at, None, prefix.take());
            }
        }
    }
    if let Some(&(opener, _, opos, _)) = open.last() {
        let shown = if opener == '#' {
            "#{".to_string()
        } else {
            opener.to_string()
        };
        return Err(err(
            opos,
            format!(
                "`{shown}` is never closed (expected `{}` before the end of the file)",
                closer_of(opener)
            ),
        ));
    }
    if let Some(p) = prefix {
        return Err(err(
            p.pos,
            "a `#` prefix with no form after it at the end of the file".into(),
        ));
    }
    Ok((top, inner))
}

/// The op forms of a history file: the elements of its one top-level vector or list,
/// or else its top-level forms. Each is later parsed alone.
pub fn op_forms<'a>(file: &str, text: &'a str) -> Result<Vec<Form<'a>>, ParseError> {
    let (top, inner) = scan(file, text)?;
    let forms = match top.as_slice() {
        [one] if matches!(one.opener, Some('[' | '(')) => inner,
        _ => top,
    };
    Ok(forms
        .into_iter()
        .map(|f| Form {
            text: &text[f.start..f.end],
            pos: f.pos,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        op_forms("t", s).unwrap().iter().map(|f| f.text).collect()
    }

    #[test]
    fn vector_list_and_bare_sequences_give_the_same_forms() {
        let want = vec!["{:a 1}", "{:b [2 \"]\"]}"];
        assert_eq!(texts("[{:a 1} {:b [2 \"]\"]}]"), want);
        assert_eq!(texts("(\n{:a 1}\n ; a comment ]\n{:b [2 \"]\"]})\n"), want);
        assert_eq!(texts("{:a 1}\n{:b [2 \"]\"]}"), want);
        assert_eq!(texts("{:a 1} #_{:c 3} {:b \\] }")[1], "#_{:c 3}");
        assert_eq!(texts(""), Vec::<&str>::new());
        assert_eq!(texts("[]"), Vec::<&str>::new());
    }

    #[test]
    fn positions_are_lines_and_columns_of_the_form_start() {
        let forms = op_forms("t", "[\n  {:a 1}\n  {:b\n   2}]").unwrap();
        assert_eq!(forms[1].pos, Pos { line: 3, column: 3 });
        assert_eq!(forms[1].text, "{:b\n   2}");
    }

    #[test]
    fn bad_nesting_is_an_error_with_a_place() {
        let e = op_forms("t", "[{:a 1}\n {:b 2]").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t:2:7: `]` closes the `{` opened at line 2 column 2 (expected `}`)"
        );
        let e = op_forms("t", "{:a \"x}").unwrap_err();
        assert!(
            e.to_string().starts_with("t:1:5: unterminated string"),
            "{e}"
        );
        let deep = "[".repeat(10_000);
        let e = op_forms("t", &deep).unwrap_err();
        assert!(e.to_string().contains("nested deeper than 64"), "{e}");
    }
}
