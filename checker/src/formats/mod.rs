//! History file formats: detection, reading (with file:line errors), writing.

mod edn;
mod json;
mod pairing;
mod porcupine_etcd;

pub use edn::{parse_edn, write_edn};
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
    /// Jepsen EDN, one op map per line, with Knossos semantics.
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

/// A history file that could not be read: where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{file}:{line}: {message}")]
pub struct ParseError {
    /// The file (as given).
    pub file: String,
    /// The 1-based line (0: the file as a whole).
    pub line: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ParseError {
    /// An error at `line` of `file`.
    pub fn at(file: &str, line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Guesses the format from the content's first meaningful line.
pub fn detect(file: &str, text: &str) -> Result<Format, ParseError> {
    let Some((n, first)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with(';'))
    else {
        return Err(ParseError::at(file, 0, "empty history: no operations"));
    };
    let first = first.trim();
    if first.contains("jepsen.util") {
        return Ok(Format::PorcupineEtcd);
    }
    if first.starts_with("{\"") || first == "{" || first.starts_with("[{\"") {
        return Ok(Format::Json);
    }
    if first.starts_with('{') || first.starts_with('[') {
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

/// Parses `text` (from `file`) in `format` (detected when `None`).
pub fn parse(
    file: &str,
    text: &str,
    format: Option<Format>,
) -> Result<(History, Format), ParseError> {
    let format = match format {
        Some(f) => f,
        None => detect(file, text)?,
    };
    let history = match format {
        Format::Json => parse_json(file, text)?,
        Format::Edn | Format::PorcupineKv => parse_edn(file, text)?,
        Format::PorcupineEtcd => parse_porcupine_etcd(file, text)?,
    };
    if history.ops.is_empty() {
        return Err(ParseError::at(file, 0, "empty history: no operations"));
    }
    Ok((history, format))
}

/// Reads and parses a history file.
pub fn read_file(path: &Path, format: Option<Format>) -> Result<(History, Format), ParseError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ParseError::at(&name, 0, format!("cannot read: {e}")))?;
    parse(&name, &text, format)
}
