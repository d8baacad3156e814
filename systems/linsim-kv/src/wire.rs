//! linsim-kv's wire format (postcard): raft messages between servers, requests and
//! answers between clients and servers. The framework carries the bytes.

use crate::probes::probe;
use linsim_raft::{Message, MessageType};
use linsim_sim::stats::Counters;
use linsim_sim::system::PeerSender;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::atomic::Ordering;

/// Encodes a message for the wire (postcard).
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    postcard::to_allocvec(msg).expect("wire messages serialize")
}

/// Decodes a message received from the wire.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T {
    postcard::from_bytes(bytes).expect("wire messages decode")
}

/// Sends a raft message to its addressee. A snapshot (MsgSnap) asks for its fate to
/// be reported back (`Delivery::Reported`), as etcd's transport calls
/// `ReportSnapshot`: a leader whose snapshot was lost would otherwise wait in
/// StateSnapshot for good.
pub fn send_raft(peers: &PeerSender, stats: &Counters, m: &Message) {
    let snapshot = m.msg_type == MessageType::MsgSnap;
    if snapshot {
        probe!(SnapshotSent);
        stats.snapshots_sent.fetch_add(1, Ordering::Relaxed);
    }
    peers.send(m.to, encode_raft(m), snapshot);
}

/// Encodes a raft message for the wire (postcard).
pub fn encode_raft(m: &Message) -> Vec<u8> {
    // Sized up front (fixed fields, then each entry's and the snapshot's bytes):
    // growing the buffer from empty cost a copy per doubling.
    let payload: usize = m.entries.iter().map(|e| e.data.len() + 24).sum::<usize>()
        + m.snapshot.as_ref().map_or(0, |s| s.data.len() + 64)
        + m.context.len();
    let buf = Vec::with_capacity(96 + payload);
    postcard::to_extend(m, buf).expect("raft messages serialize")
}

/// Decodes a raft message encoded by `encode_raft`.
pub fn decode_raft(bytes: &[u8]) -> Message {
    postcard::from_bytes(bytes).expect("raft messages decode")
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use linsim_raft::{Entry, Snapshot};

    #[test]
    fn raft_messages_round_trip_through_the_wire_format() {
        let m = Message {
            msg_type: MessageType::MsgSnap,
            to: 2,
            from: 1,
            term: 3,
            entries: vec![Entry::normal(Bytes::from_static(b"put x 1"))],
            snapshot: Some(Box::new(Snapshot {
                data: Bytes::from_static(&[0, 1, 255]),
                ..Snapshot::default()
            })),
            context: Bytes::from_static(&[9]),
            responses: vec![Message::default()],
            ..Message::default()
        };
        let bytes = encode_raft(&m);
        assert!(
            bytes.windows(7).any(|w| w == b"put x 1"),
            "payloads travel as raw bytes, not hex"
        );
        assert_eq!(decode_raft(&bytes), m);
    }
}
