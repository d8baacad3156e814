//! linsim's native JSON history format.

use super::ParseError;
use crate::history::History;

/// Parses a native JSON history (`{"ops": [...]}`, or a bare array of ops).
pub fn parse_json(file: &str, text: &str) -> Result<History, ParseError> {
    let trimmed = text.trim_start();
    let result = if trimmed.starts_with('[') {
        serde_json::from_str(text).map(History::new)
    } else {
        serde_json::from_str::<History>(text).map(|h| History {
            model: h.model,
            ..History::new(h.ops)
        })
    };
    let history = result.map_err(|e| {
        ParseError::at_pos(
            file,
            super::Pos {
                line: e.line(),
                column: e.column(),
            },
            format!("invalid linsim JSON history: {e} (expected {{\"ops\": [{{\"process\", \"f\", \"input\", \"output\", \"call\", \"ret\", \"outcome\"}}]}})"),
        )
    })?;
    for (i, op) in history.ops.iter().enumerate() {
        if let Some(ret) = op.ret {
            if ret < op.call {
                return Err(ParseError::at(
                    file,
                    0,
                    format!(
                        "op {i} ({}) returns at {ret}, before its call at {}",
                        op.describe(),
                        op.call
                    ),
                ));
            }
        }
    }
    Ok(history)
}

/// Writes a history as pretty native JSON.
pub fn write_json(history: &History) -> String {
    serde_json::to_string_pretty(history).expect("histories serialize")
}
