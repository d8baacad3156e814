//! The wire: raft-rs messages between servers travel in raft-rs's own protobuf
//! encoding; clients and servers speak linsim-kv's client protocol (`Request`,
//! `Response`, postcard), so the same KV service is tested over either Raft.

use crate::probes::probe;
use linsim_sim::stats::Counters;
use linsim_sim::system::PeerSender;
use protobuf::Message as _;
use raft::eraftpb::{Message, MessageType};
use std::sync::atomic::Ordering;

pub use linsim_kv::wire::{decode, encode};

/// Encodes a raft message for the wire.
pub fn encode_raft(m: &Message) -> Vec<u8> {
    m.write_to_bytes().expect("raft-rs messages encode")
}

/// Decodes a raft message encoded by `encode_raft`.
pub fn decode_raft(bytes: &[u8]) -> Message {
    Message::parse_from_bytes(bytes).expect("raft-rs messages decode")
}

/// Sends a raft message to its addressee. A snapshot asks for its fate to be reported
/// back (`Delivery::Reported`), which the server hands to raft-rs's `report_snapshot`,
/// as raft-rs requires of a MsgSnapshot: a leader whose snapshot was lost would
/// otherwise wait in the snapshot state for good.
pub fn send_raft(peers: &PeerSender, stats: &Counters, m: &Message) {
    let snapshot = m.get_msg_type() == MessageType::MsgSnapshot;
    if snapshot {
        probe!(SnapshotSent);
        stats.snapshots_sent.fetch_add(1, Ordering::Relaxed);
    }
    peers.send(m.to, encode_raft(m), snapshot);
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft::eraftpb::Entry;

    #[test]
    fn raft_messages_round_trip_through_the_wire() {
        let e = Entry {
            index: 7,
            data: b"put x 1".to_vec().into(),
            ..Entry::default()
        };
        let mut m = Message {
            to: 2,
            from: 1,
            term: 3,
            entries: vec![e].into(),
            ..Message::default()
        };
        m.set_msg_type(MessageType::MsgAppend);
        assert_eq!(decode_raft(&encode_raft(&m)), m);
    }
}
