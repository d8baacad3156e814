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

/// Sends `msg` to `to`. With `faulty`, the transport's extra loss, latency and
/// duplication apply (raft messages); client traffic is sent plainly.
pub fn send<T: Serialize>(
    ep: &Arc<Endpoint>,
    world: &World,
    to: SocketAddr,
    tag: u64,
    msg: &T,
    faulty: bool,
) {
    let bytes = encode(msg);
    let mut copies = vec![Duration::ZERO];
    if faulty {
        let mut net = world.lock(&world.net);
        let (loss, (lo, hi), dup) = (net.loss, net.latency_ns, net.duplicate);
        if loss > 0.0 && net.rng.random_bool(loss) {
            world.counters.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let delay = |rng: &mut rand::rngs::StdRng| {
            if hi > 0 {
                Duration::from_nanos(rng.random_range(lo..=hi))
            } else {
                Duration::ZERO
            }
        };
        copies[0] = delay(&mut net.rng);
        if dup > 0.0 && net.rng.random_bool(dup) {
            world.counters.duplicated.fetch_add(1, Ordering::Relaxed);
            probe!(MessageDuplicated);
            let d = delay(&mut net.rng);
            copies.push(d);
        }
    }
    for delay in copies {
        let ep = ep.clone();
        let bytes = bytes.clone();
        madsim::task::spawn(async move {
            if !delay.is_zero() {
                sleep(delay).await;
            }
            let _ = ep.send_to_raw(to, tag, Box::new(bytes)).await;
        });
    }
}
