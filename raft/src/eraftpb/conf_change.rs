//! Membership changes as they travel through the log, as etcd's `raftpb.ConfChange`,
//! `ConfChangeV2` and `ConfChangeSingle`.
//!
//! A change is proposed as an entry (`EntryConfChange` for V1, `EntryConfChangeV2` for
//! V2) whose data is the change's binary encoding (`encode` / `decode`, a small fixed
//! layout so the raft crate needs no serialization format). Every node applies it when
//! the entry is committed (`RawNode::apply_conf_change`).
//!
//! V2 entry data layout: `transition: u8`, `count: u32 LE`, `count * (type: u8,
//! node_id: u64 LE)`, then the context (the rest). Empty data is the empty
//! `ConfChangeV2`, which means "leave the joint configuration" (etcd's auto-leave
//! proposes exactly that). V1 layout: `type: u8`, `node_id: u64 LE`, `id: u64 LE`,
//! then the context.

use super::{Entry, EntryType};
use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// What one change does to one node.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[repr(u8)]
pub enum ConfChangeType {
    /// Make the node a voter (adding it, or promoting a learner).
    #[default]
    AddNode = 0,
    /// Remove the node from the configuration.
    RemoveNode = 1,
    /// No membership effect (the application may update the node's address).
    UpdateNode = 2,
    /// Make the node a learner (adding it, or demoting a voter).
    AddLearnerNode = 3,
}

impl ConfChangeType {
    fn from_u8(b: u8) -> Option<ConfChangeType> {
        Some(match b {
            0 => ConfChangeType::AddNode,
            1 => ConfChangeType::RemoveNode,
            2 => ConfChangeType::UpdateNode,
            3 => ConfChangeType::AddLearnerNode,
            _ => return None,
        })
    }
}

/// How a `ConfChangeV2` moves between configurations.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[repr(u8)]
pub enum ConfChangeTransition {
    /// Simple change if possible (at most one voter changes), else a joint
    /// configuration left automatically once applied.
    #[default]
    Auto = 0,
    /// Always a joint configuration, left automatically once applied.
    Implicit = 1,
    /// Always a joint configuration, left only by an explicit empty `ConfChangeV2`.
    Explicit = 2,
}

impl ConfChangeTransition {
    fn from_u8(b: u8) -> Option<ConfChangeTransition> {
        Some(match b {
            0 => ConfChangeTransition::Auto,
            1 => ConfChangeTransition::Implicit,
            2 => ConfChangeTransition::Explicit,
            _ => return None,
        })
    }
}

/// One change of a `ConfChangeV2`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfChangeSingle {
    /// What to do.
    pub change_type: ConfChangeType,
    /// To which node (0: skip this change, as etcd lets an application veto one).
    pub node_id: u64,
}

impl ConfChangeSingle {
    /// A change of `change_type` for `node_id`.
    pub fn new(change_type: ConfChangeType, node_id: u64) -> ConfChangeSingle {
        ConfChangeSingle {
            change_type,
            node_id,
        }
    }
}

/// A single-node membership change (etcd's V1 `ConfChange`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfChange {
    /// What to do.
    pub change_type: ConfChangeType,
    /// To which node.
    pub node_id: u64,
    /// An id the application may use to match the change to its request.
    pub id: u64,
    /// Opaque application context (e.g. the new node's address).
    #[serde(with = "super::bytes_as_hex")]
    pub context: Bytes,
}

/// A membership change of any number of nodes, possibly through a joint configuration
/// (Raft thesis §4.3). The empty `ConfChangeV2` leaves a joint configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfChangeV2 {
    /// How to move to the new configuration.
    pub transition: ConfChangeTransition,
    /// The changes, applied in order.
    pub changes: Vec<ConfChangeSingle>,
    /// Opaque application context.
    #[serde(with = "super::bytes_as_hex")]
    pub context: Bytes,
}

/// Why entry data could not be decoded as a conf change.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("cannot decode {what} at byte {offset}: {reason}")]
pub struct ConfChangeDecodeError {
    /// `ConfChange` or `ConfChangeV2`.
    pub what: &'static str,
    /// Where in the data the problem is.
    pub offset: usize,
    /// What is wrong.
    pub reason: &'static str,
}

/// Either kind of conf change: what `RawNode::propose_conf_change` and
/// `RawNode::apply_conf_change` accept, as etcd's `ConfChangeI`.
pub trait ConfChangeI {
    /// The change as a `ConfChangeV2` (a V1 change is one `ConfChangeSingle`).
    fn as_v2(&self) -> ConfChangeV2;
    /// The entry carrying this change, with term and index left for the leader.
    fn to_entry(&self) -> Entry;
}

impl ConfChange {
    /// The change's entry data.
    pub fn encode(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(17 + self.context.len());
        b.put_u8(self.change_type as u8);
        b.put_u64_le(self.node_id);
        b.put_u64_le(self.id);
        b.put_slice(&self.context);
        b.freeze()
    }

    /// Decodes entry data written by `encode`.
    pub fn decode(data: &[u8]) -> Result<ConfChange, ConfChangeDecodeError> {
        let err = |offset, reason| ConfChangeDecodeError {
            what: "ConfChange",
            offset,
            reason,
        };
        if data.len() < 17 {
            return Err(err(data.len(), "truncated: a ConfChange needs 17 bytes"));
        }
        let change_type =
            ConfChangeType::from_u8(data[0]).ok_or_else(|| err(0, "unknown change type"))?;
        Ok(ConfChange {
            change_type,
            node_id: u64::from_le_bytes(data[1..9].try_into().expect("8 bytes")),
            id: u64::from_le_bytes(data[9..17].try_into().expect("8 bytes")),
            context: Bytes::copy_from_slice(&data[17..]),
        })
    }
}

impl ConfChangeI for ConfChange {
    fn as_v2(&self) -> ConfChangeV2 {
        ConfChangeV2 {
            transition: ConfChangeTransition::Auto,
            changes: vec![ConfChangeSingle::new(self.change_type, self.node_id)],
            context: self.context.clone(),
        }
    }

    fn to_entry(&self) -> Entry {
        Entry {
            entry_type: EntryType::EntryConfChange,
            data: self.encode(),
            ..Entry::default()
        }
    }
}

impl ConfChangeV2 {
    /// A change with the given transition and changes, and no context.
    pub fn new(transition: ConfChangeTransition, changes: Vec<ConfChangeSingle>) -> ConfChangeV2 {
        ConfChangeV2 {
            transition,
            changes,
            context: Bytes::new(),
        }
    }

    /// The change that leaves a joint configuration (the empty one).
    pub fn leave() -> ConfChangeV2 {
        ConfChangeV2::default()
    }

    /// Whether this change leaves a joint configuration: no changes and the `Auto`
    /// transition (the context does not matter, as in etcd).
    pub fn leave_joint(&self) -> bool {
        self.transition == ConfChangeTransition::Auto && self.changes.is_empty()
    }

    /// `Some(auto_leave)` if this change must go through a joint configuration: a
    /// non-auto transition, or more than one change. `auto_leave` says whether the
    /// joint configuration is left automatically.
    pub fn enter_joint(&self) -> Option<bool> {
        if self.transition == ConfChangeTransition::Auto && self.changes.len() <= 1 {
            return None;
        }
        Some(self.transition != ConfChangeTransition::Explicit)
    }

    /// The change's entry data (empty for the empty change).
    pub fn encode(&self) -> Bytes {
        if *self == ConfChangeV2::default() {
            return Bytes::new();
        }
        let mut b = BytesMut::with_capacity(5 + 9 * self.changes.len() + self.context.len());
        b.put_u8(self.transition as u8);
        b.put_u32_le(self.changes.len() as u32);
        for c in &self.changes {
            b.put_u8(c.change_type as u8);
            b.put_u64_le(c.node_id);
        }
        b.put_slice(&self.context);
        b.freeze()
    }

    /// Decodes entry data written by `encode` (empty data is the empty change).
    pub fn decode(data: &[u8]) -> Result<ConfChangeV2, ConfChangeDecodeError> {
        let err = |offset, reason| ConfChangeDecodeError {
            what: "ConfChangeV2",
            offset,
            reason,
        };
        if data.is_empty() {
            return Ok(ConfChangeV2::default());
        }
        if data.len() < 5 {
            return Err(err(data.len(), "truncated header"));
        }
        let transition =
            ConfChangeTransition::from_u8(data[0]).ok_or_else(|| err(0, "unknown transition"))?;
        let n = u32::from_le_bytes(data[1..5].try_into().expect("4 bytes")) as usize;
        let body = 5 + 9 * n;
        if data.len() < body {
            return Err(err(data.len(), "truncated changes"));
        }
        let mut changes = Vec::with_capacity(n);
        for i in 0..n {
            let at = 5 + 9 * i;
            let change_type =
                ConfChangeType::from_u8(data[at]).ok_or_else(|| err(at, "unknown change type"))?;
            let node_id = u64::from_le_bytes(data[at + 1..at + 9].try_into().expect("8 bytes"));
            changes.push(ConfChangeSingle::new(change_type, node_id));
        }
        Ok(ConfChangeV2 {
            transition,
            changes,
            context: Bytes::copy_from_slice(&data[body..]),
        })
    }
}

impl ConfChangeI for ConfChangeV2 {
    fn as_v2(&self) -> ConfChangeV2 {
        self.clone()
    }

    fn to_entry(&self) -> Entry {
        Entry {
            entry_type: EntryType::EntryConfChangeV2,
            data: self.encode(),
            ..Entry::default()
        }
    }
}

impl Entry {
    /// The conf change this entry carries, as a `ConfChangeV2`: `None` for a normal
    /// entry, an error if the data does not decode. What an application calls on each
    /// committed entry before `RawNode::apply_conf_change`.
    pub fn conf_change(&self) -> Option<Result<ConfChangeV2, ConfChangeDecodeError>> {
        match self.entry_type {
            EntryType::EntryNormal => None,
            EntryType::EntryConfChange => Some(ConfChange::decode(&self.data).map(|c| c.as_v2())),
            EntryType::EntryConfChangeV2 => Some(ConfChangeV2::decode(&self.data)),
        }
    }

    /// Whether this entry carries a conf change (of either version).
    pub fn is_conf_change(&self) -> bool {
        self.entry_type != EntryType::EntryNormal
    }
}

/// `v1 l2 r3 u4`, as etcd's `ConfChangesToString`.
impl fmt::Display for ConfChangeSingle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = match self.change_type {
            ConfChangeType::AddNode => 'v',
            ConfChangeType::RemoveNode => 'r',
            ConfChangeType::UpdateNode => 'u',
            ConfChangeType::AddLearnerNode => 'l',
        };
        write!(f, "{c}{}", self.node_id)
    }
}

/// The changes as `v1 l2 r3`, with the transition when it is not `Auto`
/// (`[explicit] v2 v3`); the empty change prints as `leave-joint`.
impl fmt::Display for ConfChangeV2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.leave_joint() {
            return f.write_str("leave-joint");
        }
        match self.transition {
            ConfChangeTransition::Auto => {}
            ConfChangeTransition::Implicit => f.write_str("[implicit] ")?,
            ConfChangeTransition::Explicit => f.write_str("[explicit] ")?,
        }
        let parts: Vec<String> = self.changes.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConfChangeType::*;

    #[test]
    fn v2_round_trips_through_entry_data() {
        let cc = ConfChangeV2 {
            transition: ConfChangeTransition::Explicit,
            changes: vec![
                ConfChangeSingle::new(AddNode, 4),
                ConfChangeSingle::new(RemoveNode, 1),
                ConfChangeSingle::new(AddLearnerNode, u64::MAX),
            ],
            context: Bytes::from_static(b"ctx"),
        };
        let e = cc.to_entry();
        assert_eq!(e.entry_type, EntryType::EntryConfChangeV2);
        assert_eq!(e.conf_change(), Some(Ok(cc.clone())));
        assert_eq!(cc.to_string(), "[explicit] v4 r1 l18446744073709551615");
    }

    #[test]
    fn the_empty_v2_is_empty_data_and_leaves_joint() {
        let leave = ConfChangeV2::leave();
        assert!(leave.encode().is_empty());
        assert!(leave.leave_joint());
        assert_eq!(leave.enter_joint(), None);
        assert_eq!(ConfChangeV2::decode(&[]), Ok(leave.clone()));
        assert_eq!(leave.to_string(), "leave-joint");
    }

    #[test]
    fn v1_round_trips_and_reads_as_one_single_change() {
        let cc = ConfChange {
            change_type: AddLearnerNode,
            node_id: 7,
            id: 99,
            context: Bytes::from_static(b"addr"),
        };
        assert_eq!(ConfChange::decode(&cc.encode()), Ok(cc.clone()));
        let v2 = cc.to_entry().conf_change().unwrap().unwrap();
        assert_eq!(v2.changes, vec![ConfChangeSingle::new(AddLearnerNode, 7)]);
        assert_eq!(v2.enter_joint(), None, "one change is a simple change");
    }

    #[test]
    fn enter_joint_follows_etcd_transitions() {
        let two = vec![
            ConfChangeSingle::new(AddNode, 2),
            ConfChangeSingle::new(AddNode, 3),
        ];
        let one = vec![ConfChangeSingle::new(AddNode, 2)];
        use ConfChangeTransition::*;
        assert_eq!(ConfChangeV2::new(Auto, one.clone()).enter_joint(), None);
        assert_eq!(
            ConfChangeV2::new(Auto, two.clone()).enter_joint(),
            Some(true)
        );
        assert_eq!(
            ConfChangeV2::new(Implicit, one.clone()).enter_joint(),
            Some(true)
        );
        assert_eq!(ConfChangeV2::new(Explicit, one).enter_joint(), Some(false));
        assert_eq!(ConfChangeV2::new(Explicit, two).enter_joint(), Some(false));
    }

    #[test]
    fn conf_changes_and_joint_conf_states_serialize_with_serde() {
        let cc = ConfChangeV2 {
            transition: ConfChangeTransition::Implicit,
            changes: vec![ConfChangeSingle::new(AddLearnerNode, 3)],
            context: Bytes::from_static(b"\x01"),
        };
        let json = serde_json::to_string(&cc).unwrap();
        assert_eq!(
            json,
            r#"{"transition":"Implicit","changes":[{"change_type":"AddLearnerNode","node_id":3}],"context":"01"}"#
        );
        assert_eq!(serde_json::from_str::<ConfChangeV2>(&json).unwrap(), cc);
        let cs = crate::eraftpb::ConfState {
            voters: vec![1, 2],
            learners: vec![5],
            voters_outgoing: vec![1, 3],
            learners_next: vec![3],
            auto_leave: true,
        };
        let back: crate::eraftpb::ConfState =
            serde_json::from_str(&serde_json::to_string(&cs).unwrap()).unwrap();
        assert_eq!(back, cs);
    }

    #[test]
    fn bad_data_is_an_error_naming_where() {
        let e = ConfChangeV2::decode(&[9, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(e.offset, 0);
        assert_eq!(e.reason, "unknown transition");
        let e = ConfChangeV2::decode(&[0, 2, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(e.reason, "truncated changes");
        let e = ConfChange::decode(&[0; 5]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot decode ConfChange at byte 5: truncated: a ConfChange needs 17 bytes"
        );
    }
}
