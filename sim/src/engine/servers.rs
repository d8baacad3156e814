//! Starting a system's server on its simulated node: the framework binds the server's
//! client port, hands it a `ServerNode` with the handles it may use, and runs the
//! system's `serve` until the node is killed. A restart after a crash runs this again,
//! as a new incarnation on the same disk.

use super::world::World;
use crate::net::ClientPort;
use crate::system::{RaftEvents, ServerNode};
use std::sync::Arc;

/// Runs server `id` (its node's main task).
pub async fn serve(id: u64, world: Arc<World>) {
    let clients = ClientPort::bind(id, world.net.clone()).await;
    let incarnation = world
        .lock(&world.nodes.restarts)
        .get(&id)
        .copied()
        .unwrap_or(0);
    let sc = &world.scenario;
    let events = RaftEvents::new(
        id,
        incarnation,
        world.clock.clone(),
        world.checks.clone(),
        world.disks.clone(),
        world.counters.clone(),
    );
    let node = ServerNode {
        id,
        servers: sc.nodes,
        voters: sc.voters,
        incarnation,
        seed: world.seed,
        knobs: world.knobs.clone(),
        bugs: sc.bugs.clone(),
        election_timeout: world.election_timeout(),
        clients,
        net: world.net.clone(),
        disks: world.disks.clone(),
        clocks: world.clocks.clone(),
        clock: world.clock.clone(),
        counters: world.counters.clone(),
        events,
    };
    let system = sc.system.clone();
    drop(world);
    system.serve(node).await;
}
