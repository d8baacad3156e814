//! Raft lanes: one per server, its role and term over time, when it was down or
//! frozen, and its applied index; plus the cluster's commit index.

use crate::faults::{node_intervals, FaultBand};
use linsim_sim::system::Role;
use linsim_sim::{RaftChange, RaftTimeline};
use serde::Serialize;

/// A role as the page codes it: 0 follower, 1 pre-candidate, 2 candidate, 3 leader.
pub fn role_code(role: Role) -> u8 {
    match role {
        Role::Follower => 0,
        Role::PreCandidate => 1,
        Role::Candidate => 2,
        Role::Leader => 3,
    }
}

/// One server's lane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerLane {
    /// The server id.
    pub id: u64,
    /// Role changes: (from, term, role code), each lasting until the next one; a
    /// restart starts it again as a follower of the last term it knew.
    pub roles: Vec<(u64, u64, u8)>,
    /// When it was down (crash or power loss until restart).
    pub down: Vec<(u64, u64)>,
    /// When it was frozen (pause until resume).
    pub paused: Vec<(u64, u64)>,
    /// Its applied index: (time, index), at most `MAX_POINTS` of them.
    pub applied: Vec<(u64, u64)>,
}

/// Every server's lane and the cluster's commit index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RaftLanes {
    /// Servers in id order.
    pub servers: Vec<ServerLane>,
    /// The commit index: (time, index, leader that advanced it), at most `MAX_POINTS`.
    pub commits: Vec<(u64, u64, u64)>,
}

/// The most points kept of one index series: one per pixel of a wide screen is plenty.
pub const MAX_POINTS: usize = 2000;

/// Keeps the first point and the last point of each of `MAX_POINTS` equal slices of
/// [0, end_ns], so a series of any length draws the same line at screen resolution.
pub fn thin<T: Copy>(points: &[T], at: impl Fn(&T) -> u64, end_ns: u64) -> Vec<T> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let slice = end_ns.div_ceil(MAX_POINTS as u64).max(1);
    let mut kept: Vec<T> = Vec::with_capacity(MAX_POINTS + 1);
    for (i, p) in points.iter().enumerate() {
        let last_of_slice = points
            .get(i + 1)
            .is_none_or(|next| at(next) / slice != at(p) / slice);
        if i == 0 || last_of_slice {
            kept.push(*p);
        }
    }
    kept
}

/// The lanes of servers 1..=`nodes` from the recorded `timeline` and the fault
/// `bands` (which say when each server was down or frozen).
pub fn lanes(timeline: &RaftTimeline, bands: &[FaultBand], nodes: u64, end_ns: u64) -> RaftLanes {
    let mut commits = Vec::new();
    let servers = (1..=nodes)
        .map(|id| {
            let down = node_intervals(bands, "crash", id);
            let mut roles: Vec<(u64, u64, u8)> = Vec::new();
            let mut applied = Vec::new();
            let mut restarts = down.iter().map(|&(_, end)| end).filter(|&e| e < end_ns);
            let mut next_restart = restarts.next();
            let mut term = 0;
            for e in timeline.events.iter().filter(|e| e.node == id) {
                while let Some(r) = next_restart.filter(|&r| r <= e.at_ns) {
                    roles.push((r, term, 0));
                    next_restart = restarts.next();
                }
                match e.change {
                    RaftChange::Role { term: t, role } => {
                        term = t;
                        roles.push((e.at_ns, t, role_code(role)));
                    }
                    RaftChange::Commit { index } => commits.push((e.at_ns, index, id)),
                    RaftChange::Applied { index } => applied.push((e.at_ns, index)),
                }
            }
            roles.extend(
                next_restart
                    .into_iter()
                    .chain(restarts)
                    .map(|r| (r, term, 0)),
            );
            ServerLane {
                id,
                roles,
                down,
                paused: node_intervals(bands, "pause", id),
                applied: thin(&applied, |p| p.0, end_ns),
            }
        })
        .collect();
    commits.sort_by_key(|c| c.0);
    RaftLanes {
        servers,
        commits: thin(&commits, |c| c.0, end_ns),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linsim_sim::{Fault, FaultEvent};

    #[test]
    fn a_restarted_server_follows_again_until_its_next_role_change() {
        let mut t = RaftTimeline::default();
        t.record(
            10,
            1,
            RaftChange::Role {
                term: 2,
                role: Role::Leader,
            },
        );
        t.record(12, 1, RaftChange::Commit { index: 4 });
        t.record(13, 2, RaftChange::Applied { index: 4 });
        t.record(
            50,
            1,
            RaftChange::Role {
                term: 3,
                role: Role::Candidate,
            },
        );
        let schedule = vec![
            FaultEvent {
                at_ns: 20,
                fault: Fault::Crash {
                    node: 1,
                    torn: false,
                },
            },
            FaultEvent {
                at_ns: 40,
                fault: Fault::Restart { node: 1 },
            },
        ];
        let bands = crate::faults::bands(&schedule, 100);
        let l = lanes(&t, &bands, 2, 100);
        let one = &l.servers[0];
        assert_eq!(one.roles, vec![(10, 2, 3), (40, 2, 0), (50, 3, 2)]);
        assert_eq!(one.down, vec![(20, 40)]);
        assert_eq!(l.servers[1].applied, vec![(13, 4)]);
        assert_eq!(l.commits, vec![(12, 4, 1)]);
    }

    #[test]
    fn thinning_keeps_the_last_point_of_each_slice() {
        let points: Vec<(u64, u64)> = (0..10 * MAX_POINTS as u64).map(|i| (i, i)).collect();
        let kept = thin(&points, |p| p.0, points.len() as u64);
        assert_eq!(kept.len(), MAX_POINTS + 1);
        assert_eq!(kept[0], (0, 0));
        assert_eq!(kept[1], (9, 9), "the last of the first slice of 10");
        assert_eq!(kept.last(), points.last());
    }
}
