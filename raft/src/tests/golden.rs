//! Golden scenario transcripts, readable like etcd's interaction scripts: each command,
//! then every Ready it produced, with its messages in etcd's notation.

use super::common::Network;

#[test]
fn golden_campaign_three_nodes() {
    let mut net = Network::new(3);
    net.campaign(1);
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_propose_and_commit() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.transcript.clear();
    net.propose(1, "put x 1");
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_pre_vote_campaign() {
    let mut net = Network::with_config(3, |c| c.pre_vote = true);
    net.campaign(2);
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_lagging_follower_catches_up_after_rejection() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.isolate(3);
    net.propose(1, "a");
    net.propose(1, "b");
    net.heal();
    net.transcript.clear();
    net.note("tick-heartbeat 1");
    net.tick(1, 1);
    net.stabilize();
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_leader_transfer() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.transcript.clear();
    net.note("transfer-leadership 1 -> 2");
    net.node(1).transfer_leader(2);
    net.stabilize();
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_split_vote_then_retry() {
    let mut net = Network::new(3);
    net.isolate(3);
    net.note("campaign 1 and 2 at once");
    net.node(1).campaign().unwrap();
    net.node(2).campaign().unwrap();
    net.stabilize();
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_read_index_from_follower() {
    // The follower forwards the read; the leader records it at its commit index,
    // confirms its leadership with a heartbeat round carrying the read's context, and
    // answers the follower once a quorum (itself and node 3) acknowledged.
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "put x 1");
    net.transcript.clear();
    net.read_index(2, "read-1");
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_read_index_held_by_new_leader() {
    // Node 2 wins term 2 but its MsgApps are lost: it holds the read until the empty
    // entry of its term commits, then serves it at that entry's index.
    let mut net = Network::new(3);
    net.campaign(1);
    net.ignored.insert(crate::MessageType::MsgApp);
    net.campaign(2);
    net.transcript.clear();
    net.read_index(2, "held");
    net.heal();
    net.note("tick-heartbeat 2");
    net.tick(2, 1);
    net.stabilize();
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_heartbeat_resp_recovers_from_probing() {
    // etcd's heartbeat_resp_recovers_from_probing: a caught-up follower reported
    // unreachable goes to Probe; heartbeat -> empty MsgApp -> ack at its match ->
    // back to Replicate.
    let mut net = Network::new(3);
    net.campaign(1);
    net.transcript.clear();
    net.note("report-unreachable 1 2");
    net.node(1).report_unreachable(2);
    let status = net.nodes[&1].status();
    net.note(&format!("status 1\n{status}"));
    net.note("tick-heartbeat 1");
    net.tick(1, 1);
    net.stabilize();
    let status = net.nodes[&1].status();
    net.note(&format!("status 1\n{status}"));
    insta::assert_snapshot!(net.transcript);
}
