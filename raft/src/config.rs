//! Configuration of one raft node.

use crate::errors::{Error, Result};

/// How read-only (ReadIndex) requests are served.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReadOnlyOption {
    /// Safe: confirm leadership with a heartbeat round per read.
    #[default]
    Safe,
    /// Lease-based: trust the leader's lease (requires `check_quorum`; unsafe under
    /// unbounded clock drift).
    LeaseBased,
}

/// The parameters of a raft node, as etcd's `raft.Config`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// This node's id; must not be 0 (0 means "none").
    pub id: u64,
    /// Ticks without leader contact before a follower campaigns. The actual timeout is
    /// drawn from `[election_tick, 2 * election_tick)`.
    pub election_tick: usize,
    /// Ticks between leader heartbeats; must be less than `election_tick`.
    pub heartbeat_tick: usize,
    /// The last applied index, for a restarted node that already applied entries.
    pub applied: u64,
    /// Byte limit of the entries in one MsgApp (at least one entry is always sent).
    pub max_size_per_msg: u64,
    /// Byte limit of the committed entries handed out in one Ready.
    pub max_committed_size_per_ready: u64,
    /// Maximum MsgApps in flight to one follower in Replicate state.
    pub max_inflight_msgs: usize,
    /// Byte limit of the entries in flight to one follower (0: no limit).
    pub max_inflight_bytes: u64,
    /// Byte limit of uncommitted entries on a leader (0: no limit).
    pub max_uncommitted_entries_size: u64,
    /// Run a pre-vote round before a real election, so a partitioned node that rejoins
    /// does not disrupt the cluster.
    pub pre_vote: bool,
    /// A leader steps down if it has not heard from a quorum within an election timeout;
    /// followers with a live leader ignore vote requests.
    pub check_quorum: bool,
    /// How ReadIndex requests are served.
    pub read_only_option: ReadOnlyOption,
    /// Followers drop proposals instead of forwarding them to the leader.
    pub disable_proposal_forwarding: bool,
    /// A leader whose own removal (or demotion to learner) is applied steps down at
    /// once, as etcd's `StepDownOnRemoval`. Without it the removed leader keeps leading
    /// (refusing proposals) until a new leader of a higher term deposes it.
    pub step_down_on_removal: bool,
    /// Seed of the randomized election timeout. Mixed with `id`, so nodes sharing a seed
    /// still draw different timeouts.
    pub seed: u64,
    /// Asynchronous storage writes, as etcd's `AsyncStorageWrites`: local appends and
    /// applies leave a `Ready` as `MsgStorageAppend` / `MsgStorageApply` messages for
    /// the application's append and apply threads, whose responses are stepped back
    /// in (see `crate::async_storage`). Off by default: the `Ready`/`advance` contract.
    pub async_storage_writes: bool,
    /// Deliberate bugs to inject (none by default): see `crate::bugs`. Only with the
    /// cargo feature `bugs`.
    #[cfg(feature = "bugs")]
    pub bugs: crate::bugs::RaftBugs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            id: 0,
            election_tick: 10,
            heartbeat_tick: 1,
            applied: 0,
            max_size_per_msg: 1 << 20,
            max_committed_size_per_ready: u64::MAX,
            max_inflight_msgs: 256,
            max_inflight_bytes: 0,
            max_uncommitted_entries_size: 0,
            pre_vote: false,
            check_quorum: false,
            read_only_option: ReadOnlyOption::Safe,
            disable_proposal_forwarding: false,
            step_down_on_removal: false,
            seed: 0,
            async_storage_writes: false,
            #[cfg(feature = "bugs")]
            bugs: crate::bugs::RaftBugs::NONE,
        }
    }
}

impl Config {
    /// A default configuration for node `id`.
    pub fn new(id: u64) -> Config {
        Config {
            id,
            ..Config::default()
        }
    }

    /// The bugs to inject: `Config::bugs`, or none without the `bugs` feature.
    pub(crate) fn bugs(&self) -> crate::bugs::RaftBugs {
        #[cfg(feature = "bugs")]
        return self.bugs;
        #[cfg(not(feature = "bugs"))]
        crate::bugs::RaftBugs::NONE
    }

    /// Checks the configuration, naming the first field that is wrong and why.
    pub fn validate(&self) -> Result<()> {
        let invalid = |field, reason: &str| {
            Err(Error::ConfigInvalid {
                field,
                reason: reason.to_string(),
            })
        };
        if self.id == 0 {
            return invalid("id", "must not be 0, which is reserved for \"no node\"");
        }
        if self.heartbeat_tick == 0 {
            return invalid("heartbeat_tick", "must be greater than 0");
        }
        if self.election_tick <= self.heartbeat_tick {
            return Err(Error::ConfigInvalid {
                field: "election_tick",
                reason: format!(
                    "must be greater than heartbeat_tick ({}), got {}",
                    self.heartbeat_tick, self.election_tick
                ),
            });
        }
        if self.max_inflight_msgs == 0 {
            return invalid("max_inflight_msgs", "must be greater than 0");
        }
        if self.max_size_per_msg == 0 {
            return invalid(
                "max_size_per_msg",
                "must be greater than 0 (at least one entry is always sent)",
            );
        }
        if self.max_committed_size_per_ready == 0 {
            return invalid("max_committed_size_per_ready", "must be greater than 0");
        }
        if self.read_only_option == ReadOnlyOption::LeaseBased && !self.check_quorum {
            return invalid(
                "read_only_option",
                "LeaseBased requires check_quorum, or a deposed leader could serve stale reads",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(c: &Config) -> &'static str {
        match c.validate() {
            Err(Error::ConfigInvalid { field, .. }) => field,
            other => panic!("expected an invalid config, got {other:?}"),
        }
    }

    #[test]
    fn validate_names_the_wrong_field() {
        assert_eq!(field_of(&Config::default()), "id");
        let mut c = Config::new(1);
        assert!(c.validate().is_ok());
        c.heartbeat_tick = 0;
        assert_eq!(field_of(&c), "heartbeat_tick");
        c.heartbeat_tick = 10;
        assert_eq!(field_of(&c), "election_tick");
        c.heartbeat_tick = 1;
        c.max_inflight_msgs = 0;
        assert_eq!(field_of(&c), "max_inflight_msgs");
        c.max_inflight_msgs = 8;
        c.read_only_option = ReadOnlyOption::LeaseBased;
        assert_eq!(field_of(&c), "read_only_option");
        c.check_quorum = true;
        assert!(c.validate().is_ok());
    }
}
