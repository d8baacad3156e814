//! Jepsen EDN histories, read with Knossos semantics: the whole file is read (one
//! vector or list of op maps, or the maps one after another, laid out in any way, with
//! `;` comments); entries are ordered by their place in the file (`:time` and `:index`
//! are ignored); `:fail` ops did not happen; `:info` ops and dangling invokes never
//! complete; `:process :nemesis` and `:type :log` entries are skipped and counted.
//! Every form is an op, a skipped entry, a `#_` discard, or an error naming its
//! `file:line:column`.

mod entry;
mod scan;
mod value;
mod write;

pub use write::{write_edn, write_edn_layout, EdnLayout};

use super::pairing::Pairing;
use super::{ParseError, Pos};
use crate::history::History;
use entry::Entry;
use serde::Serialize;

/// What the EDN reader made of every form of a file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EdnSummary {
    /// Client entries (invocations and completions) read.
    pub client_entries: usize,
    /// `:process :nemesis` entries skipped.
    pub nemesis_entries: usize,
    /// `:type :log` entries skipped.
    pub log_entries: usize,
    /// Forms discarded with `#_`.
    pub discarded: usize,
    /// Whether every client value was a `jepsen.independent` tuple `[key value]`, read
    /// as keyed operations.
    pub independent: bool,
}

/// The error of `edn-format` on a form, placed in the file.
fn parser_error(file: &str, at: Pos, e: &edn_format::ParserErrorWithContext) -> ParseError {
    // edn-format 3.3 counts from the form's start and swaps its names: `col` is the
    // 1-based line, `row` the characters read on that line.
    let (line, read) = (e.col.max(1), e.row.max(1));
    let pos = if line == 1 {
        Pos {
            line: at.line,
            column: at.column + read - 1,
        }
    } else {
        Pos {
            line: at.line + line - 1,
            column: read,
        }
    };
    ParseError::at_pos(
        file,
        pos,
        format!(
            "invalid EDN: {} (expected an op map such as {{:type :invoke, :f :read, :process 0, :value nil}})",
            e.error
        ),
    )
}

/// Parses a Jepsen EDN history (also porcupine's kv histories and linsim's own), with
/// what was read and skipped.
pub fn parse_edn_summary(file: &str, text: &str) -> Result<(History, EdnSummary), ParseError> {
    let mut summary = EdnSummary::default();
    let mut clients = Vec::new();
    for form in scan::op_forms(file, text)? {
        let value = match edn_format::parse_str(form.text) {
            Ok(v) => v,
            Err(e) if e.error == edn_format::ParserError::EmptyInput => {
                summary.discarded += 1;
                continue;
            }
            Err(e) => return Err(parser_error(file, form.pos, &e)),
        };
        match entry::classify(file, form.pos, &value)? {
            Entry::Client(c) => clients.push(c),
            Entry::Nemesis => summary.nemesis_entries += 1,
            Entry::Log => summary.log_entries += 1,
        }
    }
    summary.client_entries = clients.len();
    summary.independent = !clients.is_empty() && clients.iter().all(|c| c.tuple_shaped());
    let mut pairing = Pairing::default();
    for (time, c) in clients.iter().enumerate() {
        c.apply(file, summary.independent, time as u64, &mut pairing)?;
    }
    Ok((pairing.finish(), summary))
}

/// Parses a Jepsen EDN history (also porcupine's kv histories and linsim's own).
pub fn parse_edn(file: &str, text: &str) -> Result<History, ParseError> {
    parse_edn_summary(file, text).map(|(h, _)| h)
}
