//! Node-to-node and client messages over madsim's network. Every message is serialized
//! with serde (JSON), so an encoding bug would show in simulation. Raft messages can
//! also be dropped, delayed or duplicated here: madsim never duplicates by itself.

use crate::probes::probe;
use crate::world::World;
use madsim::net::Endpoint;
use madsim::time::{sleep, Duration};
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Raft messages between servers.
pub const TAG_RAFT: u64 = 1;
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
/// `MIN_LATENCY`.
const LINK_JITTER_NS: u64 = 9_000_000;

/// The least latency the transport gives a message. madsim sleeps at least 1 ms
/// whatever it is asked, so shorter delays would all end at the same instant and be
/// delivered in random order.
const MIN_LATENCY_NS: u64 = 1_000_000;

/// madsim's own per-packet latency, made zero so that the transport alone decides
/// delivery order (see `send`). madsim still sleeps 1 ms in every send and receive.
pub const MADSIM_LATENCY: std::ops::Range<Duration> = Duration::ZERO..Duration::from_nanos(1);

/// Sends `msg` to `to`. Delivery on one link is in order, as over the TCP connections
/// real Raft servers use (etcd's rafthttp streams): each message's latency is drawn at
/// random but never lets it overtake an earlier one on the same link. Reordering,
/// extra latency, loss and duplication are faults: with `faulty` (raft messages) the
/// transport's fault settings apply, and their extra latency may reorder messages.
pub fn send<T: Serialize>(
    ep: &Arc<Endpoint>,
    world: &World,
    to: SocketAddr,
    tag: u64,
    msg: &T,
    faulty: bool,
) {
    let bytes = encode(msg);
    let now = world.now_ns();
    let from = ep.local_addr().expect("bound endpoints have an address");
    let mut net = world.lock(&world.net);
    let (loss, (lo, hi), dup) = if faulty {
        (net.loss, net.latency_ns, net.duplicate)
    } else {
        (0.0, (0, 0), 0.0)
    };
    if loss > 0.0 && net.rng.random_bool(loss) {
        world.counters.dropped.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let copies = if dup > 0.0 && net.rng.random_bool(dup) {
        world.counters.duplicated.fetch_add(1, Ordering::Relaxed);
        probe!(MessageDuplicated);
        2
    } else {
        1
    };
    let mut delays = Vec::with_capacity(copies);
    for _ in 0..copies {
        // In order on the link: after every message sent on it before.
        let jitter = net.rng.random_range(0..=LINK_JITTER_NS);
        let last = net.link_last.get(&(from, to)).copied().unwrap_or(0);
        let at = (now + MIN_LATENCY_NS + jitter).max(last + 1);
        net.link_last.insert((from, to), at);
        let extra = if hi > 0 {
            net.rng.random_range(lo..=hi)
        } else {
            0
        };
        delays.push(Duration::from_nanos(at - now + extra));
    }
    drop(net);
    for delay in delays {
        let ep = ep.clone();
        let bytes = bytes.clone();
        madsim::task::spawn(async move {
            sleep(delay).await;
            let _ = ep.send_to_raw(to, tag, Box::new(bytes)).await;
        });
    }
}
