//! Golden transcripts of membership changes, readable like etcd's interaction scripts:
//! each command, every Ready it produced, and the configuration each node switched to
//! as it applied a committed change.

use super::common::conf::*;
use super::common::Network;
use crate::{ConfChangeTransition, ConfState};

#[test]
fn golden_add_node_catches_up() {
    // The leader probes the new node at once; its empty log rejects, the leader backs
    // off to the start and sends everything, including the change that added it.
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "a");
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.transcript.clear();
    net.propose_conf_change(1, &add(4));
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_joint_auto_leave() {
    // Replacing 3 by 4 in one change: the cluster enters the joint config
    // (1 2 4)&&(1 2 3), and the leader proposes leaving it as soon as it applied it.
    let mut net = Network::new(3);
    net.campaign(1);
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.transcript.clear();
    net.propose_conf_change(1, &v2(ConfChangeTransition::Auto, "v4 r3"));
    insta::assert_snapshot!(net.transcript);
}

#[test]
fn golden_second_conf_change_is_an_empty_entry() {
    // Two changes proposed before the first is applied: the second is appended as an
    // empty normal entry, so it commits but never changes the configuration.
    let mut net = Network::new(3);
    net.campaign(1);
    net.transcript.clear();
    net.note("propose-conf-change 1 r3, then 1 r2 before anything is applied");
    net.node(1).propose_conf_change(&remove(3)).unwrap();
    net.node(1).propose_conf_change(&remove(2)).unwrap();
    net.stabilize();
    insta::assert_snapshot!(net.transcript);
}
