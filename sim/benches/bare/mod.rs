//! The ceiling workload: a bare madsim program of the same shape as a linsim seed (the
//! same node count, message count and size, and virtual duration) with no Raft, no
//! disks, no clients and no checker. Nodes message every peer at a fixed interval over
//! madsim's own network; each run is one seed on a fresh thread, as `run_seed` runs
//! seeds, so both pay the same per-run costs. The ratio of a sweep's delivered
//! messages per wall second to this one's says how much of madsim's speed linsim uses.

use madsim::net::Endpoint;
use madsim::runtime::{Handle, Runtime};
use madsim::time::{sleep, sleep_until, Duration, Instant as SimInstant};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What one ceiling run looks like.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Nodes, each messaging every other.
    pub nodes: u64,
    /// Messages sent in one run, all links together.
    pub messages: u64,
    /// Payload bytes of each message.
    pub bytes: usize,
    /// Virtual duration of one run.
    pub virtual_ms: u64,
}

/// The shape of a seed of the seeds bench (5 nodes, 10 s of workload and the heal
/// after it): its messages per seed and virtual ms per seed, as that bench measured
/// and prints them. The seeds bench runs each ceiling seed in the shape of the sweep
/// seed just before it; this is what `--bench ceiling` uses on its own. The payload
/// size is a small raft message's (heartbeats and their responses dominate); madsim's
/// cost per message barely depends on it.
pub const SEED_SHAPE: Shape = Shape {
    nodes: 5,
    messages: 21_000,
    bytes: 40,
    virtual_ms: 10_300,
};

fn addr(node: u64) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, node as u8)), 7000)
}

/// Runs one ceiling seed; returns the messages delivered.
pub fn run_once(shape: Shape, seed: u64) -> u64 {
    std::thread::spawn(move || {
        Runtime::with_seed_and_config(seed, madsim::Config::default()).block_on(simulate(shape))
    })
    .join()
    .expect("the ceiling run does not panic")
}

async fn simulate(shape: Shape) -> u64 {
    let delivered = Arc::new(AtomicU64::new(0));
    let links = (shape.nodes * (shape.nodes - 1)).max(1);
    // Each node sends one message to every peer per interval.
    let interval =
        Duration::from_nanos(shape.virtual_ms * 1_000_000 * links / shape.messages.max(1));
    let handle = Handle::current();
    let nodes: Vec<_> = (1..=shape.nodes)
        .map(|id| {
            let delivered = delivered.clone();
            handle
                .create_node()
                .name(format!("n{id}"))
                .ip(addr(id).ip())
                .init(move || node(id, shape, interval, delivered.clone()))
                .build()
        })
        .collect();
    sleep(Duration::from_millis(shape.virtual_ms)).await;
    // Kill every node before returning: pending tasks would otherwise leak per run.
    for n in &nodes {
        handle.kill(n.id());
    }
    delivered.load(Ordering::Relaxed)
}

async fn node(id: u64, shape: Shape, interval: Duration, delivered: Arc<AtomicU64>) {
    let ep = Arc::new(Endpoint::bind(addr(id)).await.expect("bind"));
    let rx = ep.clone();
    madsim::task::spawn(async move {
        let mut buf = vec![0u8; shape.bytes.max(1)];
        while rx.recv_from(1, &mut buf).await.is_ok() {
            delivered.fetch_add(1, Ordering::Relaxed);
        }
    });
    let payload = vec![7u8; shape.bytes];
    // Deadlines, not sleeps: every send costs madsim 1 ms, which must not stretch the
    // interval and so thin the traffic.
    let mut next = SimInstant::now();
    loop {
        next += interval;
        sleep_until(next).await;
        for peer in (1..=shape.nodes).filter(|&p| p != id) {
            let _ = ep.send_to(addr(peer), 1, &payload).await;
        }
    }
}
