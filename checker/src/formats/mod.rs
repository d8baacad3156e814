//! History file formats: detection, reading (with file:line errors), writing.

mod edn;
mod json;
mod pairing;
mod porcupine_etcd;

pub use edn::{
    parse_edn, parse_edn_summary, write_edn, write_edn_layout, EdnLayout, EdnSummary, LINSIM_MARKER,
};
use json::parse_json_lines;

/// The history value of an EDN value (as the EDN reader reads op values), or why it has
/// none.
pub fn edn_value(v: &edn_format::Value) -> Result<crate::history::Value, String> {
    edn::to_value(v)
}
pub use json::{parse_json, write_json};
pub use porcupine_etcd::parse_porcupine_etcd;

use crate::history::History;
use std::fmt;
use std::path::Path;
use thiserror::Error;

/// A history file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// linsim's native JSON (`{"ops": [...]}`).
    Json,
    /// Jepsen EDN with Knossos semantics: a vector, a list or a bare sequence of op
    /// maps, laid out in any way.
    Edn,
    /// Porcupine's Jepsen etcd logs (`INFO  jepsen.util - 3 :invoke :read nil`).
    PorcupineEtcd,
    /// Porcupine's kv histories: EDN maps with `:key`, every op `:ok`.
    PorcupineKv,
}

impl Format {
    /// Every format name, as the CLI spells them (plus `auto`).
    pub const NAMES: [&'static str; 4] = ["json", "edn", "porcupine-etcd", "porcupine-kv"];

    /// The format named `name`.
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "json" => Some(Format::Json),
            "edn" => Some(Format::Edn),
            "porcupine-etcd" => Some(Format::PorcupineEtcd),
            "porcupine-kv" => Some(Format::PorcupineKv),
            _ => None,
        }
    }

    /// The model a history in this format is checked with by default, if the format
    /// implies one.
    pub fn default_model(self) -> Option<&'static str> {
        match self {
            Format::PorcupineEtcd => Some("cas-register"),
            Format::PorcupineKv => Some("kv"),
            Format::Json | Format::Edn => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "json",
            Format::Edn => "edn",
            Format::PorcupineEtcd => "porcupine-etcd",
            Format::PorcupineKv => "porcupine-kv",
        })
    }
}

/// A place in a history file: 1-based line and column (column 0: the whole line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// The line, from 1 (0: the file as a whole).
    pub line: usize,
    /// The column in characters, from 1 (0: unknown).
    pub column: usize,
}

impl Pos {
    /// A whole line.
    pub fn line(line: usize) -> Pos {
        Pos { line, column: 0 }
    }
}

/// `:COLUMN` when the column is known.
fn column_suffix(column: usize) -> String {
    if column == 0 {
        String::new()
    } else {
        format!(":{column}")
    }
}

/// A history file that could not be read: where (`file:line:column`, or `file:line`
/// for line-based formats), and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{file}:{line}{}: {message}", column_suffix(*.column))]
pub struct ParseError {
    /// The file (as given).
    pub file: String,
    /// The 1-based line (0: the file as a whole).
    pub line: usize,
    /// The 1-based column (0: not known, or the whole line).
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ParseError {
    /// An error at `line` of `file`.
    pub fn at(file: &str, line: usize, message: impl Into<String>) -> ParseError {
        ParseError::at_pos(file, Pos::line(line), message)
    }

    /// An error at `pos` of `file`.
    pub fn at_pos(file: &str, pos: Pos, message: impl Into<String>) -> ParseError {
        ParseError {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }
}

/// Guesses the format from the content's first meaningful line. A file with no content
/// (blank, or only comments) is EDN: an empty history.
pub fn detect(file: &str, text: &str) -> Result<Format, ParseError> {
    let Some((n, first)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with(';'))
    else {
        return Ok(Format::Edn);
    };
    let first = first.trim();
    if first.contains("jepsen.util") {
        return Ok(Format::PorcupineEtcd);
    }
    if first.starts_with("{\"") || first == "{" || first.starts_with("[{\"") {
        return Ok(Format::Json);
    }
    // A JSON array laid out over lines: `[`, then `{`, then a quoted key.
    let rest = text.trim_start();
    let json_array = rest
        .strip_prefix('[')
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('{'))
        .is_some_and(|r| r.trim_start().starts_with('"'));
    if json_array {
        return Ok(Format::Json);
    }
    if ['{', '[', '(', '#'].iter().any(|c| first.starts_with(*c)) {
        if first.contains(":key")
            && (first.contains(":get") || first.contains(":put") || first.contains(":append"))
        {
            return Ok(Format::PorcupineKv);
        }
        return Ok(Format::Edn);
    }
    Err(ParseError::at(
        file,
        n + 1,
        "cannot detect the history format: expected native JSON, a Jepsen EDN op map, or a porcupine etcd log line (use --format)",
    ))
}

/// A history as read from a file, with what the reader made of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadHistory {
    /// The history (possibly with no operations: trivially linearizable).
    pub history: History,
    /// The format it was read in.
    pub format: Format,
    /// For EDN: how many forms were ops, nemesis or log entries, or discarded.
    pub edn: Option<EdnSummary>,
    /// The line of each op of the history (its invocation, or its object in JSON).
    pub lines: Vec<usize>,
}

impl ReadHistory {
    /// `file:LINE` of op `i` where the line is known, else `file, op i`.
    pub fn place(&self, file: &str, i: usize) -> String {
        match self.lines.get(i) {
            Some(&line) if line > 0 => format!("{file}:{line}"),
            _ => format!("{file}, op {i}"),
        }
    }
}

/// Parses `text` (from `file`) in `format` (detected when `None`), with a summary.
pub fn parse_detailed(
    file: &str,
    text: &str,
    format: Option<Format>,
) -> Result<ReadHistory, ParseError> {
    // A byte order mark is not content.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = match format {
        Some(f) => f,
        None => detect(file, text)?,
    };
    let (history, edn, lines) = match format {
        Format::Json => {
            let (h, lines) = parse_json_lines(file, text)?;
            (h, None, lines)
        }
        Format::Edn => {
            let (h, summary, lines) = edn::parse_edn_lines(file, text, edn::is_linsim(text))?;
            (h, Some(summary), lines)
        }
        // Porcupine's kv histories read nil as the empty string, a value.
        Format::PorcupineKv => {
            let (h, summary, lines) = edn::parse_edn_lines(file, text, true)?;
            (h, Some(summary), lines)
        }
        Format::PorcupineEtcd => {
            let (h, lines) = porcupine_etcd::parse_porcupine_etcd_lines(file, text)?;
            (h, None, lines)
        }
    };
    Ok(ReadHistory {
        history,
        format,
        edn,
        lines,
    })
}

/// Parses `text` (from `file`) in `format` (detected when `None`). A history with no
/// client operations is not an error: it is trivially linearizable.
pub fn parse(
    file: &str,
    text: &str,
    format: Option<Format>,
) -> Result<(History, Format), ParseError> {
    parse_detailed(file, text, format).map(|r| (r.history, r.format))
}

/// Reads and parses a history file, with a summary.
pub fn read_file_detailed(path: &Path, format: Option<Format>) -> Result<ReadHistory, ParseError> {
    let name = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| ParseError::at(&name, 0, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = String::from_utf8_lossy(valid);
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ParseError::at_pos(&name, Pos { line, column }, "the file is not UTF-8 text")
    })?;
    parse_detailed(&name, &text, format)
}

/// Reads and parses a history file.
pub fn read_file(path: &Path, format: Option<Format>) -> Result<(History, Format), ParseError> {
    read_file_detailed(path, format).map(|r| (r.history, r.format))
}
