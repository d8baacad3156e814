//! Jepsen EDN histories, read with Knossos semantics: the whole file is read (one
//! vector or list of op maps, or the maps one after another, laid out in any way, with
//! `;` comments, `#_` discards, metadata and tags read as Clojure reads them); entries
//! are ordered by their place in the file (`:time` and `:index` are ignored); a
//! completed op's value is its `:ok` entry's; `:fail` ops did not happen (and must
//! repeat their invocation's value); `:info` ops and dangling invokes never complete,
//! and their process never invokes again; `:process :nemesis` and `:type :log` entries,
//! and `:info` entries that complete nothing, are skipped and counted. A read of nil is
//! a read whose value is not known (Knossos's registers accept it whatever they hold),
//! except in linsim's own histories, which say so on their first line
//! (`LINSIM_MARKER`): there nil is the value of a register never written. Every form is
//! an op, a skipped entry, or an error naming its `file:line:column`.

mod clj;
mod entry;
mod scan;
mod value;
mod write;

pub(crate) use value::to_value;
pub use write::{write_edn, write_edn_layout, EdnLayout, LINSIM_MARKER};

use super::pairing::Pairing;
use super::{ParseError, Pos};
use crate::history::{Function, History};
use entry::{Entry, Found, Kind, Reading};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the EDN reader made of every form of a file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EdnSummary {
    /// Client entries (invocations and completions) read.
    pub client_entries: usize,
    /// `:process :nemesis` entries skipped.
    pub nemesis_entries: usize,
    /// `:type :log` entries skipped.
    pub log_entries: usize,
    /// `:info` entries of a process with no op open, skipped (they complete nothing).
    pub stray_infos: usize,
    /// Forms discarded with `#_`.
    pub discarded: usize,
    /// Whether every client value was a `jepsen.independent` tuple `[key value]`, read
    /// as keyed operations.
    pub independent: bool,
    /// Whether the file says it is linsim's own (nil is a value there).
    pub linsim: bool,
    /// Reads that returned nil, read as reads of unknown value (not in linsim's own
    /// histories).
    pub unknown_nil_reads: usize,
}

/// Whether `text` is a history linsim wrote: its first line is `LINSIM_MARKER`.
pub(crate) fn is_linsim(text: &str) -> bool {
    text.trim_start().starts_with(LINSIM_MARKER)
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

/// Parses a Jepsen EDN history (also linsim's own), with what was read and skipped.
pub fn parse_edn_summary(file: &str, text: &str) -> Result<(History, EdnSummary), ParseError> {
    parse_edn_lines(file, text, is_linsim(text)).map(|(h, s, _)| (h, s))
}

/// Parses an EDN history; with `nil_is_value`, nil is the value of a register never
/// written (linsim's and porcupine's kv histories) rather than an unknown read. Also
/// returns the line of each op's invocation.
pub(crate) fn parse_edn_lines(
    file: &str,
    text: &str,
    nil_is_value: bool,
) -> Result<(History, EdnSummary, Vec<usize>), ParseError> {
    let forms = scan::op_forms(file, text)?;
    let mut summary = EdnSummary {
        discarded: forms.discarded,
        linsim: is_linsim(text),
        ..EdnSummary::default()
    };
    let mut clients = Vec::new();
    for form in forms.forms() {
        let value = match edn_format::parse_str(form.text) {
            Ok(v) => v,
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
    let reading = Reading {
        linsim: nil_is_value,
        independent: summary.independent,
        set_reads: clients.iter().any(|c| c.function() == Some(Function::Add)),
    };
    let mut pairing = Pairing::default();
    let mut found = Found::default();
    // Each process's open invocation entry, for its `:fail` to repeat.
    let mut invoked: BTreeMap<u64, usize> = BTreeMap::new();
    for (time, c) in clients.iter().enumerate() {
        match c.kind() {
            Kind::Invoke => {
                invoked.insert(c.process(), time);
            }
            Kind::Fail => {
                if let Some(&i) = invoked.get(&c.process()) {
                    c.check_fail(file, &clients[i])?;
                }
            }
            _ => {}
        }
        c.apply(file, reading, time as u64, &mut pairing, &mut found)?;
        if c.kind() != Kind::Invoke {
            invoked.remove(&c.process());
        }
    }
    found.kinds.check(file)?;
    summary.stray_infos = found.stray_infos;
    summary.unknown_nil_reads = found.unknown_nil_reads;
    let (history, lines) = pairing.finish();
    Ok((history, summary, lines))
}

/// Parses a Jepsen EDN history (also linsim's own).
pub fn parse_edn(file: &str, text: &str) -> Result<History, ParseError> {
    parse_edn_summary(file, text).map(|(h, _)| h)
}
