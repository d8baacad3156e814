//! Messages between nodes. Every message is serialized with serde (JSON), so an
//! encoding bug would show in simulation. Raft messages travel on linsim's own
//! in-order links (madsim timers and tasks, decoded into the receiver's input queue)
//! and can be dropped, delayed, reordered or duplicated here by faults (madsim never
//! duplicates by itself); client requests and responses use madsim's network.

use crate::probes::probe;
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

/// Encodes a message for the wire.
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    serde_json::to_vec(msg).expect("wire messages serialize")
}

/// Decodes a message received from the wire.
pub fn decode<T: DeserializeOwned>(payload: madsim::net::Payload) -> T {
    let bytes = payload
        .downcast::<Vec<u8>>()
        .expect("every payload is encoded bytes");
    serde_json::from_slice(&bytes).expect("wire messages decode")
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

/// Draws the delivery delays of one message on link `link` (one per copy: the
/// duplicate fault sends two), or none if the loss fault drops it. Delivery on a link
/// is in order, as over the TCP connections real Raft servers use (etcd's rafthttp
/// streams): each message's latency is drawn at random but never lets it overtake an
/// earlier one on the same link. Reordering is a fault: the extra latency of the
/// network fault (`faulty` traffic only) is drawn per message and may reorder.
fn delays(world: &World, link: (SocketAddr, SocketAddr), faulty: bool) -> Vec<Duration> {
    let now = world.now_ns();
    let mut net = world.lock(&world.net);
    let (loss, (lo, hi), dup) = if faulty {
        (net.loss, net.latency_ns, net.duplicate)
    } else {
        (0.0, (0, 0), 0.0)
    };
    if loss > 0.0 && net.rng.random_bool(loss) {
        world.counters.dropped.fetch_add(1, Ordering::Relaxed);
        return Vec::new();
    }
    let copies = if dup > 0.0 && net.rng.random_bool(dup) {
        world.counters.duplicated.fetch_add(1, Ordering::Relaxed);
        probe!(MessageDuplicated);
        2
    } else {
        1
    };
    (0..copies)
        .map(|_| {
            let jitter = net.rng.random_range(0..=LINK_JITTER_NS);
            let last = net.link_last.get(&link).copied().unwrap_or(0);
            let at = (now + MIN_LATENCY_NS + jitter).max(last + 1);
            net.link_last.insert(link, at);
            let extra = if hi > 0 {
                net.rng.random_range(lo..=hi)
            } else {
                0
            };
            Duration::from_nanos(at - now + extra)
        })
        .collect()
}

/// Sends a raft message from server `from` to server `to`. It travels on the
/// transport's own links (madsim's mailbox hands queued messages out of order, so raft
/// traffic does not use it): in order, delayed, possibly lost or duplicated by faults,
/// dropped if the link is cut or the receiver is down when it arrives, and decoded
/// into the receiver's input queue.
///
/// A snapshot (MsgSnap) is reported back to its sender once its fate is known,
/// delivered or not, as etcd's transport calls `ReportSnapshot`: a leader whose
/// snapshot was lost would otherwise wait in StateSnapshot for good.
pub fn send_raft(world: &Arc<World>, from: u64, to: u64, m: &Message) {
    let bytes = encode(m);
    let link = (world.server_addr(from), world.server_addr(to));
    let snapshot = m.msg_type == MessageType::MsgSnap;
    if snapshot {
        probe!(SnapshotSent);
        world
            .counters
            .snapshots_sent
            .fetch_add(1, Ordering::Relaxed);
    }
    let delays = delays(world, link, true);
    if snapshot && delays.is_empty() {
        report_snapshot(world, from, to, false);
    }
    for (copy, delay) in delays.into_iter().enumerate() {
        let world = world.clone();
        let bytes = bytes.clone();
        madsim::task::spawn(async move {
            sleep(delay).await;
            let delivered = deliver(&world, from, to, &bytes);
            if snapshot && copy == 0 {
                report_snapshot(&world, from, to, delivered);
            }
        });
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
    let msg: Message = serde_json::from_slice(bytes).expect("raft messages decode");
    let sent = tx.unbounded_send(Input::Raft(msg)).is_ok();
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
    for delay in delays(world, (from, to), false) {
        let ep = ep.clone();
        let bytes = bytes.clone();
        madsim::task::spawn(async move {
            sleep(delay).await;
            let _ = ep.send_to_raw(to, tag, Box::new(bytes)).await;
        });
    }
}
