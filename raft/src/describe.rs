//! Human-readable one-line descriptions, in the style of etcd's `DescribeMessage`.
//! Used by golden scenario tests, traces and logs.

use crate::async_storage::{LOCAL_APPEND_THREAD, LOCAL_APPLY_THREAD};
use crate::eraftpb::{Entry, EntryType, HardState, Message};
use crate::raw_node::Ready;
use std::fmt::Write;

/// `term/index Type "data"`, e.g. `1/3 EntryNormal "put x 1"`; a conf change shows its
/// changes, e.g. `1/4 EntryConfChangeV2 v4 l5`.
pub fn describe_entry(e: &Entry) -> String {
    let kind = match e.entry_type {
        EntryType::EntryNormal => "EntryNormal",
        EntryType::EntryConfChange => "EntryConfChange",
        EntryType::EntryConfChangeV2 => "EntryConfChangeV2",
    };
    match e.conf_change() {
        // A conf change prints as etcd prints it: `v4 r1`, `leave-joint`.
        Some(Ok(cc)) => format!("{}/{} {} {}", e.term, e.index, kind, cc),
        _ => format!(
            "{}/{} {} {:?}",
            e.term,
            e.index,
            kind,
            String::from_utf8_lossy(&e.data)
        ),
    }
}

/// `Term:1 Vote:1 Commit:2`.
pub fn describe_hard_state(hs: &HardState) -> String {
    format!("Term:{} Vote:{} Commit:{}", hs.term, hs.vote, hs.commit)
}

/// A node id, or the name of a local storage thread (`AppendThread`, `ApplyThread`).
pub fn describe_target(id: u64) -> String {
    match id {
        LOCAL_APPEND_THREAD => "AppendThread".to_string(),
        LOCAL_APPLY_THREAD => "ApplyThread".to_string(),
        id => id.to_string(),
    }
}

/// `1->2 MsgApp Term:1 Log:1/2 Commit:2 Entries:[...]`, showing only meaningful fields.
/// The responses a storage message carries follow on their own lines, indented.
pub fn describe_message(m: &Message) -> String {
    let mut s = format!(
        "{}->{} {} Term:{}",
        describe_target(m.from),
        describe_target(m.to),
        m.msg_type,
        m.term
    );
    let _ = write!(s, " Log:{}/{}", m.log_term, m.index);
    if m.reject {
        let _ = write!(s, " Rejected (Hint: {})", m.reject_hint);
    }
    if m.commit != 0 {
        let _ = write!(s, " Commit:{}", m.commit);
    }
    if m.vote != 0 {
        let _ = write!(s, " Vote:{}", m.vote);
    }
    if !m.entries.is_empty() {
        let ents: Vec<String> = m.entries.iter().map(describe_entry).collect();
        let _ = write!(s, " Entries:[{}]", ents.join(", "));
    }
    if let Some(snap) = &m.snapshot {
        let _ = write!(
            s,
            " Snapshot: Index:{} Term:{} Voters:{:?}",
            snap.metadata.index, snap.metadata.term, snap.metadata.conf_state.voters
        );
        if snap.metadata.conf_state.is_joint() {
            let _ = write!(s, "&&{:?}", snap.metadata.conf_state.voters_outgoing);
        }
    }
    if !m.context.is_empty() {
        let _ = write!(s, " Context:{}", String::from_utf8_lossy(&m.context));
    }
    if !m.responses.is_empty() {
        s.push_str(" Responses:[");
        for r in &m.responses {
            let _ = write!(s, "\n  {}", describe_message(r).replace('\n', "\n  "));
        }
        s.push_str("\n]");
    }
    s
}

/// A multi-line description of a Ready, as etcd's `DescribeReady`.
pub fn describe_ready(rd: &Ready) -> String {
    let mut s = String::new();
    if let Some(ss) = &rd.soft_state {
        let _ = writeln!(s, "Lead:{} State:{}", ss.lead, ss.raft_state);
    }
    if let Some(hs) = &rd.hard_state {
        let _ = writeln!(s, "HardState {}", describe_hard_state(hs));
    }
    if !rd.entries.is_empty() {
        s.push_str("Entries:\n");
        for e in &rd.entries {
            let _ = writeln!(s, "{}", describe_entry(e));
        }
    }
    if let Some(snap) = &rd.snapshot {
        let _ = writeln!(
            s,
            "Snapshot Index:{} Term:{}",
            snap.metadata.index, snap.metadata.term
        );
    }
    if !rd.committed_entries.is_empty() {
        s.push_str("CommittedEntries:\n");
        for e in &rd.committed_entries {
            let _ = writeln!(s, "{}", describe_entry(e));
        }
    }
    if !rd.read_states.is_empty() {
        s.push_str("ReadStates:\n");
        for rs in &rd.read_states {
            let _ = writeln!(
                s,
                "Index:{} RequestCtx:{}",
                rs.index,
                String::from_utf8_lossy(&rs.request_ctx)
            );
        }
    }
    if !rd.messages.is_empty() {
        s.push_str("Messages:\n");
        for m in &rd.messages {
            let _ = writeln!(s, "{}", describe_message(m));
        }
    }
    s
}
