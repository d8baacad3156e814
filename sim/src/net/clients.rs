//! Client traffic: a client slot's connection to the servers (`ClientConn`) and a
//! server's port for its clients (`ClientPort`), both over madsim's endpoints, delayed
//! like a healthy link. A client has one request outstanding at a time, so the order
//! in which madsim's mailbox hands messages out does not matter.

use super::{Net, MIN_LATENCY_NS};
use madsim::net::Endpoint;
use madsim::time::{sleep, timeout, Duration, Instant};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

/// Requests to servers.
const TAG_REQUEST: u64 = 2;
/// Answers to clients.
const TAG_ANSWER: u64 = 3;

/// madsim's own per-packet latency, made zero so that the network alone decides
/// delivery order. madsim still sleeps 1 ms in every send and receive.
pub const MADSIM_LATENCY: std::ops::Range<Duration> = Duration::ZERO..Duration::from_nanos(1);

const _: () = assert!(
    MIN_LATENCY_NS >= 1_000_000,
    "madsim's sleeps are 1 ms at least"
);

/// Where a request came from: the client to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientAddr(SocketAddr);

/// Sends `bytes` over madsim's network from `ep` to `to`, delayed like a message on a
/// healthy link (drawn from the network's stream).
fn send(net: &Net, ep: &Arc<Endpoint>, to: SocketAddr, tag: u64, bytes: Vec<u8>) {
    let from = ep.local_addr().expect("bound endpoints have an address");
    let now = net.clock().now_ns();
    let copies = net.schedule(now, (from, to), false);
    for &at in &copies.at[..copies.n] {
        let ep = ep.clone();
        let bytes = bytes.clone();
        madsim::task::spawn(async move {
            sleep(Duration::from_nanos(at - now)).await;
            let _ = ep.send_to_raw(to, tag, Box::new(bytes)).await;
        });
    }
}

fn bytes_of(payload: madsim::net::Payload) -> Vec<u8> {
    *payload
        .downcast::<Vec<u8>>()
        .expect("every payload is encoded bytes")
}

/// A client slot's connection to the servers. The framework sets each attempt's
/// deadline before it hands the connection to the system's client, and `recv` ends
/// there: the client's only wait is for answers, so an attempt never outlives it.
pub struct ClientConn {
    ep: Arc<Endpoint>,
    net: Arc<Net>,
    deadline: Mutex<Option<Instant>>,
}

impl ClientConn {
    /// Binds client slot `index`'s address (on its own node).
    pub async fn bind(index: u64, net: Arc<Net>) -> ClientConn {
        let ep = Endpoint::bind(Net::client_addr(index))
            .await
            .expect("client address is free");
        ClientConn {
            ep: Arc::new(ep),
            net,
            deadline: Mutex::new(None),
        }
    }

    /// Sends a request to server `server`.
    pub fn send(&self, server: u64, bytes: Vec<u8>) {
        send(
            &self.net,
            &self.ep,
            Net::server_addr(server),
            TAG_REQUEST,
            bytes,
        );
    }

    /// Sets the end of the current attempt (the framework does, before each call).
    pub fn set_deadline(&self, at: Instant) {
        *self.deadline.lock().expect("deadline lock") = Some(at);
    }

    /// The next answer from any server: (server id, bytes); `None` once the attempt's
    /// deadline has passed or the network is gone. Answers to earlier requests arrive
    /// here too: match them to yours and call again.
    pub async fn recv(&self) -> Option<(u64, Vec<u8>)> {
        let deadline = *self.deadline.lock().expect("deadline lock");
        let received = match deadline {
            // One timer per wait, set when the wait starts: madsim's timer heap orders
            // equal deadlines by its own history, so the number and order of timers
            // are part of a seed's meaning.
            Some(end) => {
                let now = Instant::now();
                if now >= end {
                    return None;
                }
                timeout(end - now, self.ep.recv_from_raw(TAG_ANSWER))
                    .await
                    .ok()?
            }
            None => self.ep.recv_from_raw(TAG_ANSWER).await,
        };
        let (payload, from) = received.ok()?;
        let server = match from.ip() {
            IpAddr::V4(ip) => ip.octets()[3] as u64,
            IpAddr::V6(_) => 0,
        };
        Some((server, bytes_of(payload)))
    }
}

/// A server's port for its clients.
#[derive(Clone)]
pub struct ClientPort {
    ep: Arc<Endpoint>,
    net: Arc<Net>,
}

impl ClientPort {
    /// Binds server `id`'s address (on its own node).
    pub async fn bind(id: u64, net: Arc<Net>) -> ClientPort {
        let ep = Endpoint::bind(Net::server_addr(id))
            .await
            .expect("server address is free");
        ClientPort {
            ep: Arc::new(ep),
            net,
        }
    }

    /// The next request: who sent it, and its bytes; `None` if the network is gone.
    pub async fn recv(&self) -> Option<(ClientAddr, Vec<u8>)> {
        let (payload, from) = self.ep.recv_from_raw(TAG_REQUEST).await.ok()?;
        Some((ClientAddr(from), bytes_of(payload)))
    }

    /// Answers client `to`.
    pub fn reply(&self, to: ClientAddr, bytes: Vec<u8>) {
        send(&self.net, &self.ep, to.0, TAG_ANSWER, bytes);
    }
}
