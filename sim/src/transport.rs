//! Messages between nodes. Every message is serialized with serde (postcard, a
//! compact binary format; JSON stays for histories and artifacts), so an encoding
//! bug would show in simulation.
//! Raft messages travel on linsim's own in-order links (a task per link, see
//! `raft_link`, decoding into the receiver's input queue)
//! and can be dropped, delayed, reordered or duplicated here by faults (madsim never
//! duplicates by itself); client requests and responses use madsim's network.

use crate::probes::probe;
use crate::raft_link::{self, Queued};
use crate::server::{AdminCommand, Input};
use crate::world::World;
use linsim_raft::{Message, MessageType};
use madsim::net::Endpoint;
use madsim::time::{sleep, Duration};
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Client requests to servers.
pub const TAG_CLIENT: u64 = 2;
/// Server responses to clients.
pub const TAG_RESPONSE: u64 = 3;

/// Encodes a message for the wire (postcard).
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    postcard::to_allocvec(msg).expect("wire messages serialize")
}

/// Decodes a message received from the wire.
pub fn decode<T: DeserializeOwned>(payload: madsim::net::Payload) -> T {
    let bytes = payload
        .downcast::<Vec<u8>>()
        .expect("every payload is encoded bytes");
    postcard::from_bytes(&bytes).expect("wire messages decode")
}

/// Random part of a message's latency on a healthy link: 0 to 9 ms, on top of
/// `MIN_LATENCY_NS`.
const LINK_JITTER_NS: u64 = 9_000_000;

/// The least latency the transport gives a message. madsim sleeps at least 1 ms
/// whatever it is asked, so shorter delays would all end at the same instant and be
/// delivered in random order.
const MIN_LATENCY_NS: u64 = 1_000_000;

/// madsim's own per-packet latency, made zero so that the transport alone decides
/// delivery order (see `send`). madsim still sleeps 1 ms in every send and receive.
pub const MADSIM_LATENCY: std::ops::Range<Duration> = Duration::ZERO..Duration::from_nanos(1);

/// The delivery times (virtual ns) of the copies of one message: none if lost, two
/// if duplicated.
struct Copies {
    at: [u64; 2],
    n: usize,
}

/// Draws the delivery times of one message on link `link` (one per copy: the
/// duplicate fault sends two), or none if the loss fault drops it. Delivery on a link
/// is in order, as over the TCP connections real Raft servers use (etcd's rafthttp
/// streams): each message's latency is drawn at random but never lets it overtake an
/// earlier one on the same link (it is then due 1 ns after that one: madsim delivers
/// the two at the same step, in random order; see `raft_link`). Reordering is
/// otherwise a fault: the extra latency of the network fault (`faulty` traffic only)
/// is drawn per message and may reorder.
fn schedule(world: &World, now: u64, link: (SocketAddr, SocketAddr), faulty: bool) -> Copies {
    let mut net = world.lock(&world.net);
    let (loss, (lo, hi), dup) = if faulty {
        (net.loss, net.latency_ns, net.duplicate)
    } else {
        (0.0, (0, 0), 0.0)
    };
    let mut copies = Copies { at: [0; 2], n: 0 };
    if loss > 0.0 && net.rng.random_bool(loss) {
        world.counters.dropped.fetch_add(1, Ordering::Relaxed);
        return copies;
    }
    copies.n = if dup > 0.0 && net.rng.random_bool(dup) {
        world.counters.duplicated.fetch_add(1, Ordering::Relaxed);
        probe!(MessageDuplicated);
        2
    } else {
        1
    };
    for at in &mut copies.at[..copies.n] {
        let jitter = net.rng.random_range(0..=LINK_JITTER_NS);
        let last = net.link_last.get(&link).copied().unwrap_or(0);
        let base = (now + MIN_LATENCY_NS + jitter).max(last + 1);
        net.link_last.insert(link, base);
        let extra = if hi > 0 {
            net.rng.random_range(lo..=hi)
        } else {
            0
        };
        *at = base + extra;
    }
    copies
}

/// Sends a raft message from server `from` to server `to`. It travels on the
/// transport's own links (madsim's mailbox hands queued messages out of order, so raft
/// traffic does not use it; see `raft_link`): in order, delayed, possibly lost or
/// duplicated by faults, dropped if the link is cut or the receiver is down when it
/// arrives, and decoded into the receiver's input queue.
///
/// A snapshot (MsgSnap) is reported back to its sender once its fate is known,
/// delivered or not, as etcd's transport calls `ReportSnapshot`: a leader whose
/// snapshot was lost would otherwise wait in StateSnapshot for good.
pub fn send_raft(world: &Arc<World>, from: u64, to: u64, m: &Message) {
    let mut bytes = encode_raft(m);
    let link = (world.server_addr(from), world.server_addr(to));
    let snapshot = m.msg_type == MessageType::MsgSnap;
    if snapshot {
        probe!(SnapshotSent);
        world
            .counters
            .snapshots_sent
            .fetch_add(1, Ordering::Relaxed);
    }
    let copies = schedule(world, world.now_ns(), link, true);
    if snapshot && copies.n == 0 {
        report_snapshot(world, from, to, false);
    }
    for copy in 0..copies.n {
        // The last copy takes the buffer; a duplicate's first copy clones it.
        let bytes = if copy + 1 == copies.n {
            std::mem::take(&mut bytes)
        } else {
            bytes.clone()
        };
        let msg = Queued {
            bytes,
            report_snapshot: snapshot && copy == 0,
        };
        raft_link::enqueue(world, from, to, copies.at[copy], msg);
    }
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

/// Delivers a message its link's task took off the queue at its time, and reports a
/// snapshot's fate to its sender.
pub(crate) fn deliver_queued(world: &World, from: u64, to: u64, msg: Queued) {
    let delivered = deliver(world, from, to, &msg.bytes);
    if msg.report_snapshot {
        report_snapshot(world, from, to, delivered);
    }
}

/// Hands a raft message to server `to` unless the link is cut or `to` is down.
fn deliver(world: &World, from: u64, to: u64, bytes: &[u8]) -> bool {
    if world.lock(&world.net).cut.is_cut(&(from, to)) {
        return false;
    }
    let Some(tx) = world.lock(&world.inputs).get(&to).cloned() else {
        return false;
    };
    let sent = tx.unbounded_send(Input::Raft(decode_raft(bytes))).is_ok();
    if sent {
        world.counters.messages.fetch_add(1, Ordering::Relaxed);
    }
    sent
}

fn report_snapshot(world: &World, from: u64, to: u64, delivered: bool) {
    if let Some(tx) = world.lock(&world.inputs).get(&from).cloned() {
        let _ = tx.unbounded_send(Input::Admin(AdminCommand::ReportSnapshot { to, delivered }));
    }
}

/// Sends a client request or response over madsim's network (clients have one
/// request outstanding, so the mailbox's order does not matter), delayed like raft
/// traffic on a healthy link.
pub fn send<T: Serialize>(ep: &Arc<Endpoint>, world: &World, to: SocketAddr, tag: u64, msg: &T) {
    let bytes = encode(msg);
    let from = ep.local_addr().expect("bound endpoints have an address");
    let now = world.now_ns();
    let copies = schedule(world, now, (from, to), false);
    for &at in &copies.at[..copies.n] {
        let ep = ep.clone();
        let bytes = bytes.clone();
        madsim::task::spawn(async move {
            sleep(Duration::from_nanos(at - now)).await;
            let _ = ep.send_to_raw(to, tag, Box::new(bytes)).await;
        });
    }
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
