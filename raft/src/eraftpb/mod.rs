//! Wire types, as etcd's `raftpb`: messages, log entries, hard state, snapshots.
//!
//! Every type here is serde-serializable so that a transport can put it on the wire
//! (and encoding bugs show up in simulation rather than being hidden by in-memory moves).

mod conf_change;

pub use conf_change::{
    ConfChange, ConfChangeDecodeError, ConfChangeI, ConfChangeSingle, ConfChangeTransition,
    ConfChangeType, ConfChangeV2,
};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The 24 message types of etcd's raft, with etcd's numbering.
///
/// Local message types (`MsgHup`, `MsgBeat`, `MsgUnreachable`, `MsgSnapStatus`,
/// `MsgCheckQuorum`, and the storage messages) never travel between nodes.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[repr(u8)]
pub enum MessageType {
    /// Local: start an election (sent to self by the election timer or `campaign`).
    #[default]
    MsgHup = 0,
    /// Local: tell a leader to broadcast heartbeats.
    MsgBeat = 1,
    /// A proposal of new entries (local, or forwarded from a follower to the leader).
    MsgProp = 2,
    /// Leader to follower: append entries after (index, log_term).
    MsgApp = 3,
    /// Follower to leader: the answer to `MsgApp` (accept up to index, or reject).
    MsgAppResp = 4,
    /// Candidate to voter: request a vote.
    MsgVote = 5,
    /// Voter to candidate: the answer to `MsgVote`.
    MsgVoteResp = 6,
    /// Leader to follower: install a snapshot.
    MsgSnap = 7,
    /// Leader to follower: heartbeat carrying a safe commit index.
    MsgHeartbeat = 8,
    /// Follower to leader: the answer to `MsgHeartbeat`.
    MsgHeartbeatResp = 9,
    /// Local: the application reports a peer unreachable.
    MsgUnreachable = 10,
    /// Local: the application reports the outcome of sending a snapshot.
    MsgSnapStatus = 11,
    /// Local: tell a leader to check that a quorum is still active.
    MsgCheckQuorum = 12,
    /// Ask the leader to transfer leadership to the sender (or `from`).
    MsgTransferLeader = 13,
    /// Leader to transferee: start an election now, skipping pre-vote.
    MsgTimeoutNow = 14,
    /// A linearizable read request.
    MsgReadIndex = 15,
    /// The answer to `MsgReadIndex`.
    MsgReadIndexResp = 16,
    /// Pre-candidate to voter: would you vote for me at term+1?
    MsgPreVote = 17,
    /// Voter to pre-candidate: the answer to `MsgPreVote`.
    MsgPreVoteResp = 18,
    /// Async storage writes: append to the local log.
    MsgStorageAppend = 19,
    /// Async storage writes: the append is durable.
    MsgStorageAppendResp = 20,
    /// Async storage writes: apply committed entries.
    MsgStorageApply = 21,
    /// Async storage writes: the entries are applied.
    MsgStorageApplyResp = 22,
    /// Local to a follower: forget the current leader (lets it vote early).
    MsgForgetLeader = 23,
}

impl MessageType {
    /// All 24 types in numeric order.
    pub const ALL: [MessageType; 24] = [
        MessageType::MsgHup,
        MessageType::MsgBeat,
        MessageType::MsgProp,
        MessageType::MsgApp,
        MessageType::MsgAppResp,
        MessageType::MsgVote,
        MessageType::MsgVoteResp,
        MessageType::MsgSnap,
        MessageType::MsgHeartbeat,
        MessageType::MsgHeartbeatResp,
        MessageType::MsgUnreachable,
        MessageType::MsgSnapStatus,
        MessageType::MsgCheckQuorum,
        MessageType::MsgTransferLeader,
        MessageType::MsgTimeoutNow,
        MessageType::MsgReadIndex,
        MessageType::MsgReadIndexResp,
        MessageType::MsgPreVote,
        MessageType::MsgPreVoteResp,
        MessageType::MsgStorageAppend,
        MessageType::MsgStorageAppendResp,
        MessageType::MsgStorageApply,
        MessageType::MsgStorageApplyResp,
        MessageType::MsgForgetLeader,
    ];

    /// Whether this type is generated and consumed on one node only.
    pub fn is_local(self) -> bool {
        matches!(
            self,
            MessageType::MsgHup
                | MessageType::MsgBeat
                | MessageType::MsgUnreachable
                | MessageType::MsgSnapStatus
                | MessageType::MsgCheckQuorum
                | MessageType::MsgStorageAppend
                | MessageType::MsgStorageAppendResp
                | MessageType::MsgStorageApply
                | MessageType::MsgStorageApplyResp
        )
    }

    /// Whether this type answers another message (and so needs a known peer).
    pub fn is_response(self) -> bool {
        matches!(
            self,
            MessageType::MsgAppResp
                | MessageType::MsgVoteResp
                | MessageType::MsgHeartbeatResp
                | MessageType::MsgUnreachable
                | MessageType::MsgReadIndexResp
                | MessageType::MsgPreVoteResp
                | MessageType::MsgStorageAppendResp
                | MessageType::MsgStorageApplyResp
        )
    }

    /// Whether this is the answer of a local storage thread (async storage writes).
    pub fn is_storage_response(self) -> bool {
        matches!(
            self,
            MessageType::MsgStorageAppendResp | MessageType::MsgStorageApplyResp
        )
    }

    /// Whether a message of this type promises state that must be durable first: a
    /// vote (the voter's term and vote) or an append ack (the acknowledged entries).
    /// With async storage writes these wait for the append thread (etcd's
    /// `msgsAfterAppend`). Rejections are held too: one may rest on unsynced state.
    pub fn needs_durable_state(self) -> bool {
        matches!(
            self,
            MessageType::MsgAppResp | MessageType::MsgVoteResp | MessageType::MsgPreVoteResp
        )
    }

    /// The response type that answers a vote request type.
    pub fn vote_response(self) -> MessageType {
        match self {
            MessageType::MsgVote => MessageType::MsgVoteResp,
            MessageType::MsgPreVote => MessageType::MsgPreVoteResp,
            other => panic!("not a vote message: {other:?}"),
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// What an entry's data means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum EntryType {
    /// Application data (empty data: the no-op a new leader appends).
    #[default]
    EntryNormal = 0,
    /// A serialized `ConfChange`.
    EntryConfChange = 1,
    /// A serialized `ConfChangeV2`.
    EntryConfChangeV2 = 2,
}

/// One log entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The term of the leader that created the entry.
    pub term: u64,
    /// The entry's position in the log (1-based).
    pub index: u64,
    /// What `data` means.
    pub entry_type: EntryType,
    /// Opaque application payload (cheap to clone: shared, not copied).
    #[serde(with = "bytes_as_hex")]
    pub data: Bytes,
}

impl Entry {
    /// An `EntryNormal` entry carrying `data`, with term and index left for the leader to set.
    pub fn normal(data: impl Into<Bytes>) -> Entry {
        Entry {
            data: data.into(),
            ..Entry::default()
        }
    }

    /// The size used for flow control: payload bytes plus a fixed overhead per entry.
    pub fn payload_size(&self) -> u64 {
        self.data.len() as u64
    }

    /// Bytes this entry occupies in a message, for `max_size_per_msg` limits.
    pub fn wire_size(&self) -> u64 {
        self.data.len() as u64 + 24
    }
}

/// The state that must be durable before any message depending on it is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HardState {
    /// The current term.
    pub term: u64,
    /// The candidate voted for in `term` (0: none).
    pub vote: u64,
    /// The highest index known committed.
    pub commit: u64,
}

impl HardState {
    /// Whether this is the zero value (nothing persisted yet).
    pub fn is_empty(&self) -> bool {
        *self == HardState::default()
    }
}

/// The cluster membership at some log position.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfState {
    /// Voters of the incoming (or only) configuration.
    pub voters: Vec<u64>,
    /// Learners: receive the log but do not vote.
    pub learners: Vec<u64>,
    /// Voters of the outgoing configuration during a joint transition.
    pub voters_outgoing: Vec<u64>,
    /// Learners to be added when the joint configuration is left.
    pub learners_next: Vec<u64>,
    /// Whether the joint configuration is left automatically.
    pub auto_leave: bool,
}

impl ConfState {
    /// A configuration of the given voters and no learners.
    pub fn from_voters(voters: impl IntoIterator<Item = u64>) -> ConfState {
        ConfState {
            voters: voters.into_iter().collect(),
            ..ConfState::default()
        }
    }

    /// Whether this is a joint configuration (it has outgoing voters).
    pub fn is_joint(&self) -> bool {
        !self.voters_outgoing.is_empty()
    }
}

/// Where a snapshot sits in the log and the membership it carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SnapshotMetadata {
    /// Membership as of `index`.
    pub conf_state: ConfState,
    /// The last log index the snapshot covers.
    pub index: u64,
    /// The term of the entry at `index`.
    pub term: u64,
}

/// A state-machine snapshot replacing a log prefix.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Snapshot {
    /// Opaque application state.
    #[serde(with = "bytes_as_hex")]
    pub data: Bytes,
    /// Position and membership.
    pub metadata: SnapshotMetadata,
}

impl Snapshot {
    /// Whether this is the empty snapshot (index 0).
    pub fn is_empty(&self) -> bool {
        self.metadata.index == 0
    }
}

/// One raft message, with etcd's fields. Every field is always serialized (none is
/// skipped when empty): binary formats such as the simulator's wire are not
/// self-describing and need them all; a JSON reader still accepts the optional ones
/// missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// The message type (`type` on the wire).
    #[serde(rename = "type")]
    pub msg_type: MessageType,
    /// Recipient node id.
    pub to: u64,
    /// Sender node id.
    pub from: u64,
    /// The sender's term (0 for local messages and proposals).
    pub term: u64,
    /// MsgApp: the term of the entry at `index`; rejections: the hint's term;
    /// votes: the candidate's last log term.
    pub log_term: u64,
    /// MsgApp: the index preceding `entries`; MsgAppResp: the acknowledged or rejected
    /// index; votes: the candidate's last log index.
    pub index: u64,
    /// Entries carried by MsgApp and MsgProp.
    #[serde(default)]
    pub entries: Vec<Entry>,
    /// The sender's commit index (MsgApp, MsgHeartbeat).
    pub commit: u64,
    /// MsgStorageAppend: the vote to persist.
    pub vote: u64,
    /// MsgSnap: the snapshot to install (boxed: rare, and large next to the rest).
    #[serde(default)]
    pub snapshot: Option<Box<Snapshot>>,
    /// Whether this response rejects the request.
    pub reject: bool,
    /// MsgAppResp rejections: the follower's best guess of where logs diverge.
    pub reject_hint: u64,
    /// Opaque context (campaign transfer marker, read-index request ids).
    #[serde(default, with = "bytes_as_hex")]
    pub context: Bytes,
    /// Async storage: messages to deliver once the storage work is done.
    #[serde(default)]
    pub responses: Vec<Message>,
}

/// Serializes byte strings as lowercase hex in human-readable formats (JSON stays
/// readable and compact) and as raw bytes in binary ones (the simulator's wire).
mod bytes_as_hex {
    use bytes::Bytes;
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt;

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            return s.serialize_bytes(bytes);
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
        s.serialize_str(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        if !d.is_human_readable() {
            return d.deserialize_byte_buf(RawBytes);
        }
        let text = String::deserialize(d)?;
        if text.len() % 2 != 0 {
            return Err(Error::custom("hex string of odd length"));
        }
        (0..text.len())
            .step_by(2)
            .map(|i| {
                u8::from_str_radix(&text[i..i + 2], 16)
                    .map_err(|_| Error::custom(format!("bad hex at offset {i}")))
            })
            .collect::<Result<Vec<u8>, _>>()
            .map(Bytes::from)
    }

    /// Accepts raw bytes, or a sequence of them from formats without a bytes type.
    struct RawBytes;

    impl<'de> Visitor<'de> for RawBytes {
        type Value = Bytes;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a byte string")
        }

        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Bytes, E> {
            Ok(Bytes::copy_from_slice(v))
        }

        fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
            Ok(Bytes::from(v))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(b) = seq.next_element::<u8>()? {
                out.push(b);
            }
            Ok(Bytes::from(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_types_carry_etcd_numbers() {
        for (n, t) in MessageType::ALL.iter().enumerate() {
            assert_eq!(*t as usize, n, "{t:?}");
        }
        assert_eq!(MessageType::MsgPreVote as u8, 17);
        assert_eq!(MessageType::MsgForgetLeader as u8, 23);
    }

    #[test]
    fn message_round_trips_through_json() {
        let m = Message {
            msg_type: MessageType::MsgApp,
            to: 2,
            from: 1,
            term: 3,
            log_term: 2,
            index: 7,
            entries: vec![Entry {
                term: 3,
                index: 8,
                entry_type: EntryType::EntryNormal,
                data: Bytes::from_static(b"put x 1"),
            }],
            commit: 6,
            context: Bytes::from_static(&[0, 255]),
            ..Message::default()
        };
        let json = serde_json::to_string(&m).expect("messages serialize");
        assert!(json.contains("\"type\":\"MsgApp\""), "{json}");
        assert!(json.contains("\"context\":\"00ff\""), "{json}");
        let back: Message = serde_json::from_str(&json).expect("and deserialize");
        assert_eq!(back, m);
    }
}
