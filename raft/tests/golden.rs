//! Golden scenario transcripts, readable like etcd's interaction scripts: each command,
//! then every Ready it produced, with its messages in etcd's notation.

mod common;

use common::Network;

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
