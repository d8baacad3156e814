//! Finding the op forms of an EDN file and where each starts, before `edn-format`
//! parses them one by one.
//!
//! A Jepsen history is a sequence of op maps: one top-level vector or list of them
//! (`[{...} {...}]`, `({...} {...})`), or the maps themselves one after another. The
//! scanner walks the whole text once, honouring strings, character literals and `;`
//! comments, and reads the reader macros as Clojure's EDN reader does: `#_` discards
//! the next form (`#_ #_ a b` discards two), `^meta` attaches metadata to the next form
//! (it never changes a value, so it is dropped), `#tag` tags the next form, `#{` opens
//! a set. Discarded forms and metadata are blanked out of the text (newlines kept, so
//! every place stays put) before `edn-format`, which knows neither, reads the op forms.
//! It returns every op form with its line and column, so that an error in any of them
//! can name its place, and bounds nesting, so no input can overflow the parser's stack.

use super::super::{ParseError, Pos};

/// Collections nested deeper than this are rejected (Jepsen values nest a few levels).
pub const MAX_DEPTH: usize = 64;

/// Reader macros (`#_`, `^`, tags) allowed before one form.
const MAX_PREFIXES: usize = 64;

/// One form of the history: its text and where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Form<'a> {
    /// The form's text, tags included, discards and metadata blanked.
    pub text: &'a str,
    /// Where it starts.
    pub pos: Pos,
}

/// The op forms of a file, in a copy of its text with discarded forms and metadata
/// blanked.
#[derive(Clone, Debug, Default)]
pub struct OpForms {
    /// The text the forms are slices of.
    pub text: String,
    /// Each op form: its byte range in `text` and where it starts.
    forms: Vec<(usize, usize, Pos)>,
    /// Op forms discarded with `#_`.
    pub discarded: usize,
}

impl OpForms {
    /// The op forms, in order.
    pub fn forms(&self) -> impl Iterator<Item = Form<'_>> {
        self.forms.iter().map(|&(a, b, pos)| Form {
            text: &self.text[a..b],
            pos,
        })
    }
}

/// A form found at nesting depth 0 or 1.
struct Found {
    start: usize,
    end: usize,
    pos: Pos,
    /// The opening bracket of an untagged collection, else `None`.
    opener: Option<char>,
    /// For a collection at depth 0: its number among them (its elements are the forms
    /// at depth 1 that carry it).
    id: usize,
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

/// A reader macro waiting for the form it applies to, with where it starts.
#[derive(Clone, Copy, Debug)]
enum Prefix {
    /// `#_`: the next form is read and dropped.
    Discard(usize, Pos),
    /// `^`: the next form is metadata.
    Meta(usize, Pos),
    /// `^meta` read: the next form carries it.
    MetaRead(usize, Pos),
    /// `#tag`: the next form is tagged (and starts here).
    Tag(usize, Pos),
}

impl Prefix {
    fn pos(self) -> Pos {
        match self {
            Prefix::Discard(_, p)
            | Prefix::Meta(_, p)
            | Prefix::MetaRead(_, p)
            | Prefix::Tag(_, p) => p,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Prefix::Discard(..) => "`#_`",
            Prefix::Meta(..) | Prefix::MetaRead(..) => "metadata `^`",
            Prefix::Tag(..) => "a `#` tag",
        }
    }
}

/// The state of one nesting depth: the reader macros waiting for a form.
type Pending = Vec<Prefix>;

/// What the walk found: the forms at depth 0 and 1, the ranges to blank, and the
/// forms discarded at depth 1.
#[derive(Default)]
struct Walk {
    top: Vec<Found>,
    /// Forms at depth 1, each with the number of the depth-0 collection holding it.
    inner: Vec<(usize, Found)>,
    blank: Vec<(usize, usize)>,
    /// Forms discarded at depth 1: the number of their depth-0 collection.
    discarded_inner: Vec<usize>,
    /// The number of the depth-0 collection open now (or last).
    current: usize,
}

impl Walk {
    /// A form at `depth` spanning `start..end` is complete: the reader macros waiting at
    /// that depth apply to it, innermost first, and it is kept unless dropped.
    fn complete(&mut self, pending: &mut Pending, depth: usize, mut found: Found) {
        while let Some(&prefix) = pending.last() {
            match prefix {
                Prefix::Discard(at, _) => {
                    pending.pop();
                    self.blank.push((at, found.end));
                    if depth == 1 {
                        self.discarded_inner.push(self.current);
                    }
                    return;
                }
                Prefix::Meta(at, pos) => {
                    // This form is the metadata; the next one carries it.
                    *pending.last_mut().expect("just seen") = Prefix::MetaRead(at, pos);
                    return;
                }
                Prefix::MetaRead(at, _) => {
                    pending.pop();
                    self.blank.push((at, found.start));
                }
                Prefix::Tag(at, pos) => {
                    pending.pop();
                    found.start = at;
                    found.pos = pos;
                    found.opener = None;
                }
            }
        }
        match depth {
            0 => self.top.push(found),
            1 => self.inner.push((self.current, found)),
            _ => {}
        }
    }
}

/// Every form at depth 0 and 1, in order, and the ranges to blank.
fn scan(file: &str, text: &str) -> Result<Walk, ParseError> {
    let mut c = Cursor {
        text,
        at: 0,
        line: 1,
        column: 1,
    };
    let mut walk = Walk::default();
    // Open collections: (opener, start byte, start position).
    let mut open: Vec<(char, usize, Pos)> = Vec::new();
    // The reader macros waiting at each depth (index: depth).
    let mut pending: Vec<Pending> = vec![Vec::new()];
    let err = |pos: Pos, msg: String| ParseError::at_pos(file, pos, msg);

    while let Some(ch) = c.peek() {
        let (start, pos) = (c.at, c.pos());
        let depth = open.len();
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
                let found = Found {
                    start,
                    end: c.at,
                    pos,
                    opener: None,
                    id: usize::MAX,
                };
                walk.complete(&mut pending[depth], depth, found);
            }
            '(' | '[' | '{' => {
                c.bump();
                if depth >= MAX_DEPTH {
                    return Err(err(
                        pos,
                        format!("values nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                if depth == 0 {
                    walk.current += 1;
                }
                open.push((ch, start, pos));
                pending.push(Vec::new());
            }
            '#' if c.peek2() == Some('{') => {
                c.bump();
                c.bump();
                if depth >= MAX_DEPTH {
                    return Err(err(
                        pos,
                        format!("values nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                if depth == 0 {
                    walk.current += 1;
                }
                open.push(('#', start, pos));
                pending.push(Vec::new());
            }
            ')' | ']' | '}' => {
                c.bump();
                let Some((opener, ostart, opos)) = open.pop() else {
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
                let inside = pending.pop().expect("one pending list per open collection");
                if let Some(p) = inside.last() {
                    return Err(err(
                        p.pos(),
                        format!("{} with no form after it before `{ch}`", p.name()),
                    ));
                }
                let found = Found {
                    start: ostart,
                    end: c.at,
                    pos: opos,
                    opener: Some(opener),
                    id: walk.current,
                };
                walk.complete(&mut pending[depth - 1], depth - 1, found);
            }
            '#' | '^' => {
                c.bump();
                let prefix = if ch == '^' {
                    Prefix::Meta(start, pos)
                } else if c.peek() == Some('_') {
                    c.bump();
                    Prefix::Discard(start, pos)
                } else if c.peek() == Some('^') {
                    // `#^`: the old spelling of metadata.
                    c.bump();
                    Prefix::Meta(start, pos)
                } else {
                    while c.peek().is_some_and(|x| !is_delimiter(x)) {
                        c.bump();
                    }
                    Prefix::Tag(start, pos)
                };
                if pending[depth].len() >= MAX_PREFIXES {
                    return Err(err(pos, format!("more than {MAX_PREFIXES} reader macros (`#_`, `^`, tags) before one form")));
                }
                pending[depth].push(prefix);
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
                let found = Found {
                    start,
                    end: c.at,
                    pos,
                    opener: None,
                    id: usize::MAX,
                };
                walk.complete(&mut pending[depth], depth, found);
            }
        }
    }
    if let Some(&(opener, _, opos)) = open.last() {
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
    if let Some(p) = pending[0].last() {
        return Err(err(
            p.pos(),
            format!("{} with no form after it at the end of the file", p.name()),
        ));
    }
    Ok(walk)
}

/// The op forms of a history file: the elements of its one top-level vector or list,
/// or else its top-level forms (forms discarded with `#_` and metadata left out). Each
/// is later parsed alone.
pub fn op_forms(file: &str, text: &str) -> Result<OpForms, ParseError> {
    let walk = scan(file, text)?;
    let (forms, discarded) = match walk.top.as_slice() {
        [one] if matches!(one.opener, Some('[' | '(')) => {
            let id = one.id;
            let forms = walk.inner.into_iter().filter(|(c, _)| *c == id);
            let discarded = walk.discarded_inner.iter().filter(|&&c| c == id).count();
            (forms.map(|(_, f)| f).collect(), discarded)
        }
        _ => (walk.top, 0),
    };
    let mut cleaned = text.to_string();
    if !walk.blank.is_empty() {
        let mut bytes = std::mem::take(&mut cleaned).into_bytes();
        for (a, b) in walk.blank {
            for byte in &mut bytes[a..b] {
                if *byte != b'\n' {
                    *byte = b' ';
                }
            }
        }
        cleaned = String::from_utf8(bytes).unwrap_or_else(|e| {
            // Blanked ranges start and end at form boundaries, so a multi-byte
            // character is blanked whole; should one not be, keep the text readable.
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        });
    }
    Ok(OpForms {
        forms: forms.into_iter().map(|f| (f.start, f.end, f.pos)).collect(),
        text: cleaned,
        discarded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        let forms = op_forms("t", s).unwrap();
        forms.forms().map(|f| f.text.trim().to_string()).collect()
    }

    #[test]
    fn vector_list_and_bare_sequences_give_the_same_forms() {
        let want = vec!["{:a 1}", "{:b [2 \"]\"]}"];
        assert_eq!(texts("[{:a 1} {:b [2 \"]\"]}]"), want);
        assert_eq!(texts("(\n{:a 1}\n ; a comment ]\n{:b [2 \"]\"]})\n"), want);
        assert_eq!(texts("{:a 1}\n{:b [2 \"]\"]}"), want);
        assert_eq!(
            texts("{:a 1} #_{:c 3} {:b \\] }"),
            vec!["{:a 1}", "{:b \\] }"]
        );
        assert_eq!(texts(""), Vec::<String>::new());
        assert_eq!(texts("[]"), Vec::<String>::new());
    }

    #[test]
    fn reader_macros_read_as_clojure_reads_them() {
        let want = vec!["{:a 1}", "{:b 2}"];
        // A discard before or after the vector, or between its elements; two in a row
        // discard two forms.
        assert_eq!(texts("#_ {:x 0} [{:a 1} {:b 2}] #_ [3]"), want);
        assert_eq!(texts("[{:a 1} #_ #_ {:x 0} {:y 0} {:b 2} #_ 9]"), want);
        assert_eq!(op_forms("t", "[{:a 1} #_{:x 0}]").unwrap().discarded, 1);
        // Metadata on the vector, on an op, on a value: dropped.
        assert_eq!(texts("^{:m 1} [{:a 1} ^:k {:b 2}]"), want);
        assert_eq!(texts("#^{:m 1} [{:a 1} {:b 2}]"), want);
        let spaced = format!("{{:a {}1}}", " ".repeat(10));
        assert_eq!(texts("[{:a ^{:m [1]} 1} {:b 2}]")[0], spaced);
        // Metadata whose map holds a discard, a discarded form with metadata.
        assert_eq!(texts("^{:m #_ 2 1} [{:a 1} #_ ^:m {:x 0} {:b 2}]"), want);
        // A tag stays on its form, after discards between.
        assert_eq!(texts("[#foo #_ 1 {:a 1}]"), vec!["#foo      {:a 1}"]);
        assert!(op_forms("t", "[{:a 1} #_]").is_err());
        assert!(op_forms("t", "^{:m 1}").is_err());
    }

    #[test]
    fn positions_are_lines_and_columns_of_the_form_start() {
        let forms = op_forms("t", "[\n  {:a 1}\n  {:b\n   2}]").unwrap();
        let forms: Vec<Form> = forms.forms().collect();
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
