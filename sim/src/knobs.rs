//! Knobs: every setting that changes which code paths run, drawn from the seed within
//! realistic ranges unless fixed, as FoundationDB's simulator does ("buggify" of
//! configuration). A sweep with fixed settings only ever runs one shape of the
//! system: one message size, one window, one timeout. Drawing them per seed makes a
//! sweep meet partial suffixes, full inflight windows, dropped proposals, deposed
//! leaders without CheckQuorum and long fsyncs.
//!
//! Every knob is a name with a textual value, parsed by its spec: a drawn value, a
//! default and a `--knob NAME=VALUE` override all go through the same `set`. The
//! resolved `Knobs` of a run are reported, and replaying the seed with the same
//! overrides redraws exactly the same values.

use crate::streams::stream;
use rand::rngs::StdRng;
use rand::Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// How clients pick the server they talk to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientRouting {
    /// To the server they believe leads, following redirects.
    Leader,
    /// Each client is bound to one server (client i: server 1 + i % nodes), as Jepsen
    /// binds clients to nodes; a follower forwards the proposal to its leader.
    Node,
}

impl fmt::Display for ClientRouting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClientRouting::Leader => "leader",
            ClientRouting::Node => "node",
        })
    }
}

/// How servers serve reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadPath {
    /// A read is proposed and applied through the log like a write.
    Log,
    /// ReadIndex with leadership confirmed by a heartbeat quorum (etcd's default).
    ReadIndex,
    /// ReadIndex answered from the leader's lease (only as safe as the clocks; never
    /// drawn by itself).
    Lease,
}

impl fmt::Display for ReadPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReadPath::Log => "log",
            ReadPath::ReadIndex => "read-index",
            ReadPath::Lease => "lease",
        })
    }
}

/// How a server writes its raft state to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageMode {
    /// The classic Ready loop: persist, fsync, send, apply, advance, one after another.
    Sync,
    /// etcd's asynchronous storage writes: the raft loop never waits for the disk; an
    /// append task writes and fsyncs while the loop keeps sending and taking inputs.
    Async,
    /// Asynchronous storage writes over etcd's Node API: raft in a task of its own,
    /// driven through the handle and its Ready stream. Never drawn (it costs about a
    /// third of a seed's speed; see docs/faults.md): asked for with `storage=node`.
    Node,
}

impl fmt::Display for StorageMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StorageMode::Sync => "sync",
            StorageMode::Async => "async",
            StorageMode::Node => "node",
        })
    }
}

/// The resolved knobs of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Knobs {
    /// Raft election timeout, in ticks.
    pub election_tick: usize,
    /// Raft heartbeat interval, in ticks (always below `election_tick`).
    pub heartbeat_tick: usize,
    /// Raft pre-vote.
    pub pre_vote: bool,
    /// Raft check-quorum (leader leases; a leader without a quorum steps down).
    pub check_quorum: bool,
    /// Byte limit of one MsgApp's entries (1: exactly one entry per message).
    pub max_size_per_msg: u64,
    /// MsgApps in flight to one follower.
    pub max_inflight_msgs: usize,
    /// Byte limit of a leader's uncommitted entries (0: none).
    pub max_uncommitted_size: u64,
    /// Virtual time one fsync takes, microseconds: the window in which a crash loses
    /// the writes being synced.
    pub fsync_latency_us: u64,
    /// Inputs (messages, ticks, requests) a server takes in before handling one Ready:
    /// more means bigger appends per fsync (group commit).
    pub ready_batch: usize,
    /// How clients pick a server.
    pub client_routing: ClientRouting,
    /// A client gives up on an operation after this long (outcome unknown), ms.
    pub client_timeout_ms: u64,
    /// How reads are served.
    pub reads: ReadPath,
    /// A server snapshots its state machine and compacts its log every this many
    /// applied entries (0: never).
    pub snapshot_every: u64,
    /// Synchronous Ready loop or asynchronous storage writes.
    pub storage: StorageMode,
    /// Client slots (Jepsen's concurrency), unless the scenario fixes them
    /// (`--clients`).
    pub clients: u64,
    /// The share of reads among the operations a workload draws, in percent.
    pub read_share: u64,
    /// Async storage writes: virtual time the apply thread takes to report entries
    /// applied back to raft, microseconds.
    pub apply_latency_us: u64,
    /// Independent keys: client processes that share a key at a time.
    pub key_processes: u64,
    /// Independent keys: virtual time a group of processes stays on its keys before it
    /// moves on to fresh ones, milliseconds.
    pub key_lifetime_ms: u64,
}

impl Knobs {
    /// Virtual time of one fsync.
    pub fn fsync_latency(&self) -> Duration {
        Duration::from_micros(self.fsync_latency_us)
    }

    /// How long a client waits for an operation's answer before its outcome is unknown.
    pub fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms)
    }

    /// `name=value` pairs in table order, for trace.log and text output.
    pub fn describe(&self) -> String {
        KNOBS
            .iter()
            .map(|k| format!("{}={}", k.name, (k.get)(self)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `name=value` pairs in table order of the knobs that apply to a system whose
    /// own knobs are `system_knobs` (the framework's always do).
    pub fn describe_for(&self, system_knobs: &[&str]) -> String {
        KNOBS
            .iter()
            .filter(|k| applies(k.name, system_knobs))
            .map(|k| format!("{}={}", k.name, (k.get)(self)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The value of knob `name` as text (`None` if no knob has that name).
    pub fn get(&self, name: &str) -> Option<String> {
        KNOBS.iter().find(|k| k.name == name).map(|k| (k.get)(self))
    }
}

/// One knob: its name, what it does, the range a seed draws from, its default (what
/// `--knobs default` uses), and how to draw, set and read it.
pub struct KnobSpec {
    /// The name used by `--knob NAME=VALUE`.
    pub name: &'static str,
    /// What it changes.
    pub description: &'static str,
    /// The values a seed draws from, as text.
    pub range: &'static str,
    /// The value when randomization is off.
    pub default: &'static str,
    draw: fn(&mut StdRng) -> String,
    set: fn(&mut Knobs, &str) -> Result<(), String>,
    get: fn(&Knobs) -> String,
}

fn parse<T: std::str::FromStr>(v: &str, what: &str) -> Result<T, String> {
    v.parse().map_err(|_| format!("{v:?} is not {what}"))
}

fn in_range<T: PartialOrd + fmt::Display + Copy>(v: T, lo: T, hi: T) -> Result<T, String> {
    if v < lo || v > hi {
        return Err(format!("{v} is outside {lo}..={hi}"));
    }
    Ok(v)
}

fn pick<T: Copy + ToString>(rng: &mut StdRng, choices: &[T]) -> String {
    choices[rng.random_range(0..choices.len())].to_string()
}

/// Log-uniform in [lo, hi]: as many short as long fsyncs per decade.
fn log_uniform(rng: &mut StdRng, lo: f64, hi: f64) -> u64 {
    (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp() as u64
}

/// The knobs of the framework itself, which apply to every system: its clients, their
/// timeout and load, the disk's fsync latency, and the election timeout that scales
/// the liveness bounds (and a system's own failure detection).
pub const FRAMEWORK_KNOBS: &[&str] = &[
    "election_tick",
    "fsync_latency_us",
    "client_routing",
    "client_timeout_ms",
    "clients",
    "read_share",
    "key_processes",
    "key_lifetime_ms",
];

/// Knob values a seed never draws (asked for only): a bug or run that needs one keeps
/// it fixed even under the defaults.
pub const NEVER_DRAWN: &[&str] = &["reads=lease", "storage=node"];

/// Whether knob `name` applies to a system whose own knobs are `system_knobs`.
pub fn applies(name: &str, system_knobs: &[&str]) -> bool {
    FRAMEWORK_KNOBS.contains(&name) || system_knobs.contains(&name)
}

/// Every knob, in the order they are drawn (never reorder: seeds would change meaning).
pub const KNOBS: &[KnobSpec] = &[
    KnobSpec {
        name: "election_tick",
        description: "raft election timeout in ticks (10 ms each)",
        range: "5..=20",
        default: "10",
        draw: |r| r.random_range(5..=20usize).to_string(),
        set: |k, v| {
            k.election_tick = in_range(parse(v, "a tick count")?, 2, 100)?;
            Ok(())
        },
        get: |k| k.election_tick.to_string(),
    },
    KnobSpec {
        name: "heartbeat_tick",
        description: "raft heartbeat interval in ticks (below election_tick)",
        range: "1..=3",
        default: "1",
        draw: |r| r.random_range(1..=3usize).to_string(),
        set: |k, v| {
            k.heartbeat_tick = in_range(parse(v, "a tick count")?, 1, 99)?;
            Ok(())
        },
        get: |k| k.heartbeat_tick.to_string(),
    },
    KnobSpec {
        name: "pre_vote",
        description: "raft pre-vote round before elections",
        range: "true | false (half each: etcd's raft defaults to off, its server to on)",
        default: "true",
        draw: |r| r.random_bool(0.5).to_string(),
        set: |k, v| {
            k.pre_vote = parse(v, "true or false")?;
            Ok(())
        },
        get: |k| k.pre_vote.to_string(),
    },
    KnobSpec {
        name: "check_quorum",
        description: "raft check-quorum: leader leases, leaders without a quorum step down",
        range: "true | false (half each: etcd's raft defaults to off, its server to on)",
        default: "true",
        draw: |r| r.random_bool(0.5).to_string(),
        set: |k, v| {
            k.check_quorum = parse(v, "true or false")?;
            Ok(())
        },
        get: |k| k.check_quorum.to_string(),
    },
    KnobSpec {
        name: "max_size_per_msg",
        description: "byte limit of one MsgApp's entries (1: one entry per message)",
        range: "1 | 256 | 4096 | 65536",
        default: "65536",
        draw: |r| pick(r, &[1u64, 256, 4096, 65536]),
        set: |k, v| {
            k.max_size_per_msg = in_range(parse(v, "a byte count")?, 1, 1 << 30)?;
            Ok(())
        },
        get: |k| k.max_size_per_msg.to_string(),
    },
    KnobSpec {
        name: "max_inflight_msgs",
        description: "MsgApps in flight to one follower",
        range: "1 | 2 | 4 | 16 | 64",
        default: "64",
        draw: |r| pick(r, &[1usize, 2, 4, 16, 64]),
        set: |k, v| {
            k.max_inflight_msgs = in_range(parse(v, "a message count")?, 1, 4096)?;
            Ok(())
        },
        get: |k| k.max_inflight_msgs.to_string(),
    },
    KnobSpec {
        name: "max_uncommitted_size",
        description: "byte limit of a leader's uncommitted entries (0: none); past it proposals are dropped",
        range: "0 | 128 | 256 | 4096",
        default: "0",
        draw: |r| pick(r, &[0u64, 128, 256, 4096]),
        set: |k, v| {
            k.max_uncommitted_size = parse(v, "a byte count")?;
            Ok(())
        },
        get: |k| k.max_uncommitted_size.to_string(),
    },
    KnobSpec {
        name: "fsync_latency_us",
        description: "virtual time of one fsync, microseconds (a crash loses the writes being synced)",
        range: "20..=20000 log-uniform, at most election_tick x 1000",
        default: "500",
        draw: |r| log_uniform(r, 20.0, 20_000.0).to_string(),
        set: |k, v| {
            k.fsync_latency_us = in_range(parse(v, "microseconds")?, 0, 1_000_000)?;
            Ok(())
        },
        get: |k| k.fsync_latency_us.to_string(),
    },
    KnobSpec {
        name: "ready_batch",
        description: "inputs a server takes in before handling one Ready (group commit)",
        range: "1 | 2 | 4 | 16",
        default: "1",
        draw: |r| pick(r, &[1usize, 2, 4, 16]),
        set: |k, v| {
            k.ready_batch = in_range(parse(v, "an input count")?, 1, 1024)?;
            Ok(())
        },
        get: |k| k.ready_batch.to_string(),
    },
    KnobSpec {
        name: "client_routing",
        description: "leader: clients go to the believed leader; node: each client is bound to one server, which forwards",
        range: "leader | node",
        default: "leader",
        draw: |r| pick(r, &["leader", "node"]),
        set: |k, v| {
            k.client_routing = match v {
                "leader" => ClientRouting::Leader,
                "node" => ClientRouting::Node,
                _ => return Err(format!("{v:?} is not leader or node")),
            };
            Ok(())
        },
        get: |k| k.client_routing.to_string(),
    },
    KnobSpec {
        name: "client_timeout_ms",
        description: "a client waits this long for an operation's answer; then its outcome is unknown (info), its process retires and a fresh process takes the slot at once",
        range: "300..=2000",
        default: "1000",
        draw: |r| r.random_range(300..=2000u64).to_string(),
        set: |k, v| {
            k.client_timeout_ms = in_range(parse(v, "milliseconds")?, 1, 600_000)?;
            Ok(())
        },
        get: |k| k.client_timeout_ms.to_string(),
    },
    KnobSpec {
        name: "reads",
        description: "how reads are served: through the log, ReadIndex (quorum-confirmed), or lease (asked for only; forces check_quorum)",
        range: "read-index (2/3, etcd's default) | log",
        default: "read-index",
        draw: |r| pick(r, &["log", "read-index", "read-index"]),
        set: |k, v| {
            k.reads = match v {
                "log" => ReadPath::Log,
                "read-index" => ReadPath::ReadIndex,
                "lease" => ReadPath::Lease,
                _ => return Err(format!("{v:?} is not log, read-index or lease")),
            };
            Ok(())
        },
        get: |k| k.reads.to_string(),
    },
    KnobSpec {
        name: "snapshot_every",
        description: "a server snapshots its state machine and compacts its log every N applied entries, keeping N/2 behind for followers catching up (0: never); laggards beyond that get the snapshot (MsgSnap)",
        range: "8 | 32 | 128",
        default: "32",
        draw: |r| pick(r, &[8u64, 32, 128]),
        set: |k, v| {
            k.snapshot_every = parse(v, "an entry count")?;
            Ok(())
        },
        get: |k| k.snapshot_every.to_string(),
    },
    // Drawn last, like every knob added later: the draws before it keep their values.
    KnobSpec {
        name: "storage",
        description: "sync: the classic Ready loop (persist, fsync, send, apply); async: etcd's async storage writes, an append task fsyncs while the raft loop keeps sending; node: async storage writes over etcd's Node API, raft in a task of its own (never drawn)",
        range: "sync | async (node)",
        default: "sync",
        draw: |r| pick(r, &["sync", "async"]),
        set: |k, v| {
            k.storage = match v {
                "sync" => StorageMode::Sync,
                "async" => StorageMode::Async,
                "node" => StorageMode::Node,
                _ => return Err(format!("{v:?} is not sync, async or node")),
            };
            Ok(())
        },
        get: |k| k.storage.to_string(),
    },
    KnobSpec {
        name: "clients",
        description: "client slots, each running one process at a time (Jepsen's concurrency); the offered load grows with them up to 3 and then stays, so more clients add concurrency, not throughput; --clients fixes it",
        range: "3..=100 log-uniform",
        default: "5",
        draw: |r| log_uniform(r, 3.0, 101.0).min(100).to_string(),
        set: |k, v| {
            k.clients = in_range(parse(v, "a client count")?, 1, 100)?;
            Ok(())
        },
        get: |k| k.clients.to_string(),
    },
    KnobSpec {
        name: "read_share",
        description: "percent of a workload's operations that are reads (the rest keep the workload's own mix)",
        range: "10 | 25 | 50 | 75 | 90",
        default: "40",
        draw: |r| pick(r, &[10u64, 25, 50, 75, 90]),
        set: |k, v| {
            k.read_share = in_range(parse(v, "a percentage")?, 0, 100)?;
            Ok(())
        },
        get: |k| k.read_share.to_string(),
    },
    KnobSpec {
        name: "apply_latency_us",
        description: "async storage writes: virtual time the apply thread takes to report applied entries back to raft, microseconds (raft's applied index trails the state machine: campaigns and the auto-leave wait for it); at most half the election timeout",
        range: "0 (50%) | 100..=50000 log-uniform",
        default: "0",
        draw: |r| {
            if r.random_bool(0.5) {
                "0".to_string()
            } else {
                log_uniform(r, 100.0, 50_000.0).to_string()
            }
        },
        set: |k, v| {
            k.apply_latency_us = in_range(parse(v, "microseconds")?, 0, 1_000_000)?;
            Ok(())
        },
        get: |k| k.apply_latency_us.to_string(),
    },
    KnobSpec {
        name: "key_processes",
        description: "independent keys: client processes that share a key at a time (each key's history is checked alone, so this bounds the search)",
        range: "2 | 3 | 4",
        default: "4",
        draw: |r| pick(r, &[2u64, 3, 4]),
        set: |k, v| {
            k.key_processes = in_range(parse(v, "a process count")?, 1, 100)?;
            Ok(())
        },
        get: |k| k.key_processes.to_string(),
    },
    KnobSpec {
        name: "key_lifetime_ms",
        description: "independent keys: virtual time a group of processes stays on its keys before moving on to fresh ones (bounds each key's history)",
        range: "500 | 1000 | 2500",
        default: "1000",
        draw: |r| pick(r, &[500u64, 1000, 2500]),
        set: |k, v| {
            k.key_lifetime_ms = in_range(parse(v, "milliseconds")?, 1, 3_600_000)?;
            Ok(())
        },
        get: |k| k.key_lifetime_ms.to_string(),
    },
];

/// A knob name that does not exist, or a value it refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KnobError {
    /// No knob has this name.
    #[error("unknown knob {name:?}; valid knobs: {valid}")]
    Unknown {
        /// The name given.
        name: String,
        /// The names that exist.
        valid: String,
    },
    /// The knob refuses this value.
    #[error("knob {name}: {reason} (range: {range})")]
    BadValue {
        /// The knob.
        name: &'static str,
        /// Why.
        reason: String,
        /// The values it draws from.
        range: &'static str,
    },
    /// Not `NAME=VALUE`.
    #[error("{0:?} is not NAME=VALUE (see `linsim list` for the knobs)")]
    Syntax(String),
}

/// How a scenario chooses its knobs: drawn per seed (or defaults), plus fixed values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KnobChoice {
    /// Use every knob's default instead of drawing it from the seed.
    pub defaults: bool,
    /// Values fixed by name (validated by `fix`).
    pub fixed: BTreeMap<&'static str, String>,
}

impl KnobChoice {
    /// Fixes knob `name` to `value` for every seed.
    pub fn fix(&mut self, name: &str, value: &str) -> Result<(), KnobError> {
        let spec = spec(name)?;
        let mut probe = defaults();
        (spec.set)(&mut probe, value).map_err(|reason| KnobError::BadValue {
            name: spec.name,
            reason,
            range: spec.range,
        })?;
        self.fixed.insert(spec.name, value.to_string());
        Ok(())
    }

    /// Knobs fixed to values that contradict each other (the run would have to
    /// override one): an error naming both.
    pub fn contradiction(&self) -> Option<String> {
        let fixed = |name: &str| self.fixed.get(name).map(String::as_str);
        // Lease reads are only safe with check-quorum (raft refuses them otherwise), so
        // a drawn check_quorum is forced on with them; a fixed `false` is a contradiction.
        (fixed("reads") == Some("lease") && fixed("check_quorum") == Some("false")).then(|| {
            "reads=lease needs check_quorum=true (lease reads are only safe with \
             check-quorum): drop check_quorum=false or choose another read path"
                .to_string()
        })
    }

    /// Fixes a knob from `NAME=VALUE`.
    pub fn fix_pair(&mut self, pair: &str) -> Result<(), KnobError> {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| KnobError::Syntax(pair.to_string()))?;
        self.fix(name.trim(), value.trim())
    }

    /// The knobs of a run with `seed` whose faults never change membership.
    pub fn resolve(&self, seed: u64) -> Knobs {
        self.resolve_for(seed, false)
    }

    /// The knobs of a run with `seed`; `changes_membership` tells whether its faults
    /// remove servers. Every knob is drawn from the seed's "knobs" stream in table
    /// order, even when fixed or defaulted, so fixing one knob does not change the
    /// others' values.
    pub fn resolve_for(&self, seed: u64, changes_membership: bool) -> Knobs {
        let mut rng = stream(seed, "knobs");
        let mut k = defaults();
        for spec in KNOBS {
            let drawn = (spec.draw)(&mut rng);
            let value = match self.fixed.get(spec.name) {
                Some(v) => v.as_str(),
                None if self.defaults => spec.default,
                None => drawn.as_str(),
            };
            (spec.set)(&mut k, value).expect("drawn, default and fixed values are valid");
        }
        // An election needs a candidate's and its voters' fsyncs plus a round trip; a
        // cluster whose election timeout is not well above that splits votes forever
        // (etcd's tuning guide: election timeout >= 10x the round trip, fsync
        // included). A drawn fsync stays under a tenth of the election timeout (10 ms
        // ticks); one fixed by the user is left as given.
        if !self.fixed.contains_key("fsync_latency_us") {
            let max_us = k.election_tick as u64 * 10_000 / 10;
            k.fsync_latency_us = k.fsync_latency_us.min(max_us);
        }
        // An apply thread that reports later than an election timeout would keep a
        // follower from campaigning (a committed conf change looks unapplied) for
        // longer than the cluster can be without a leader: a drawn one stays under
        // half of it.
        if !self.fixed.contains_key("apply_latency_us") {
            let max_us = k.election_tick as u64 * 10_000 / 2;
            k.apply_latency_us = k.apply_latency_us.min(max_us);
        }
        // Lease-based reads are only valid with check-quorum (raft refuses otherwise).
        if k.reads == ReadPath::Lease {
            k.check_quorum = true;
        }
        // A cluster that removes servers needs pre-vote or check-quorum (Raft thesis
        // §4.2.3): without either, a removed server that never learned of its removal
        // (it was down when it committed) campaigns at ever higher terms, and a
        // lagging server whose term it raises ignores the leader's lower-term messages
        // for good (a learner, which cannot campaign, never rejoins). Drawn both off,
        // pre-vote goes on; fixed both off by the user, they stay off.
        let fixed = |name| self.fixed.contains_key(name);
        let both_fixed = fixed("pre_vote") && fixed("check_quorum");
        if changes_membership && !k.pre_vote && !k.check_quorum && !both_fixed {
            if fixed("pre_vote") {
                k.check_quorum = true;
            } else {
                k.pre_vote = true;
            }
        }
        // Raft requires heartbeat_tick < election_tick.
        if k.heartbeat_tick >= k.election_tick {
            k.heartbeat_tick = (k.election_tick - 1).max(1);
        }
        k
    }

    /// The command-line flags that reproduce this choice (`--knobs default`, `--knob ...`).
    pub fn flags(&self) -> String {
        let mut out = Vec::new();
        if self.defaults {
            out.push("--knobs default".to_string());
        }
        for (name, value) in &self.fixed {
            out.push(format!("--knob {name}={value}"));
        }
        out.join(" ")
    }
}

fn spec(name: &str) -> Result<&'static KnobSpec, KnobError> {
    KNOBS
        .iter()
        .find(|k| k.name == name)
        .ok_or_else(|| KnobError::Unknown {
            name: name.to_string(),
            valid: KNOBS.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
        })
}

/// Every knob at its default.
pub fn defaults() -> Knobs {
    let mut k = Knobs {
        election_tick: 0,
        heartbeat_tick: 0,
        pre_vote: false,
        check_quorum: false,
        max_size_per_msg: 0,
        max_inflight_msgs: 0,
        max_uncommitted_size: 0,
        fsync_latency_us: 0,
        ready_batch: 0,
        client_routing: ClientRouting::Leader,
        client_timeout_ms: 0,
        reads: ReadPath::Log,
        snapshot_every: 0,
        storage: StorageMode::Sync,
        clients: 0,
        read_share: 0,
        apply_latency_us: 0,
        key_processes: 0,
        key_lifetime_ms: 0,
    };
    for spec in KNOBS {
        (spec.set)(&mut k, spec.default).expect("defaults are valid");
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_classic_settings() {
        let k = KnobChoice {
            defaults: true,
            ..KnobChoice::default()
        }
        .resolve(7);
        assert_eq!(k, defaults());
        assert_eq!((k.election_tick, k.heartbeat_tick), (10, 1));
        assert!(k.pre_vote && k.check_quorum);
        assert_eq!(k.client_routing, ClientRouting::Leader);
    }

    #[test]
    fn seeds_draw_different_knobs_and_the_same_seed_the_same() {
        let c = KnobChoice::default();
        assert_eq!(c.resolve(3), c.resolve(3));
        let distinct: std::collections::BTreeSet<String> =
            (0..50).map(|s| c.resolve(s).describe()).collect();
        assert!(distinct.len() > 45, "{} distinct of 50", distinct.len());
        for s in 0..200 {
            let k = c.resolve(s);
            assert!(k.heartbeat_tick < k.election_tick);
            assert!((20..=20_000).contains(&k.fsync_latency_us), "{k:?}");
            assert!(k.fsync_latency_us <= k.election_tick as u64 * 1000, "{k:?}");
        }
    }

    #[test]
    fn clients_are_drawn_from_3_to_100_log_uniformly() {
        let c = KnobChoice::default();
        let drawn: Vec<u64> = (0..400).map(|s| c.resolve(s).clients).collect();
        assert!(drawn.iter().all(|n| (3..=100).contains(n)), "{drawn:?}");
        let few = drawn.iter().filter(|&&n| n <= 15).count();
        let many = drawn.iter().filter(|&&n| n >= 50).count();
        assert!(
            few > 150 && many > 40,
            "{few} of 400 at most 15, {many} at least 50"
        );
    }

    #[test]
    fn membership_changes_keep_pre_vote_or_check_quorum_on() {
        let c = KnobChoice::default();
        let both_off = |k: &Knobs| !k.pre_vote && !k.check_quorum;
        let seeds: Vec<u64> = (0..200).filter(|&s| both_off(&c.resolve(s))).collect();
        assert!(seeds.len() > 20, "both off in {} of 200 seeds", seeds.len());
        for &s in &seeds {
            let k = c.resolve_for(s, true);
            assert!(k.pre_vote && !k.check_quorum, "{k:?}");
        }
        let mut fixed = KnobChoice::default();
        fixed.fix("pre_vote", "false").unwrap();
        fixed.fix("check_quorum", "false").unwrap();
        assert!(
            both_off(&fixed.resolve_for(seeds[0], true)),
            "what the user fixes stays"
        );
    }

    #[test]
    fn fixing_one_knob_leaves_the_others_as_drawn() {
        let free = KnobChoice::default().resolve(11);
        let mut c = KnobChoice::default();
        c.fix_pair("client_routing=node").unwrap();
        let fixed = c.resolve(11);
        assert_eq!(fixed.client_routing, ClientRouting::Node);
        assert_eq!(
            Knobs {
                client_routing: free.client_routing,
                ..fixed.clone()
            },
            free
        );
        assert_eq!(c.flags(), "--knob client_routing=node");
    }

    #[test]
    fn storage_is_drawn_after_the_older_knobs_and_both_modes_occur_but_never_node() {
        let names: Vec<&str> = KNOBS.iter().map(|k| k.name).collect();
        assert_eq!(
            names[names.len() - 6..],
            [
                "storage",
                "clients",
                "read_share",
                "apply_latency_us",
                "key_processes",
                "key_lifetime_ms"
            ]
        );
        let c = KnobChoice::default();
        let modes: Vec<StorageMode> = (0..100).map(|s| c.resolve(s).storage).collect();
        let asyncs = modes.iter().filter(|&&m| m == StorageMode::Async).count();
        assert!((30..=70).contains(&asyncs), "{asyncs} of 100 async");
        assert!(!modes.contains(&StorageMode::Node));
        assert_eq!(defaults().storage, StorageMode::Sync);
        let mut node = KnobChoice::default();
        node.fix("storage", "node").unwrap();
        assert_eq!(node.resolve(7).storage, StorageMode::Node);
    }

    #[test]
    fn bad_knobs_are_named() {
        let mut c = KnobChoice::default();
        let e = c.fix_pair("nosuch=1").unwrap_err().to_string();
        assert!(
            e.starts_with("unknown knob \"nosuch\"; valid knobs: election_tick"),
            "{e}"
        );
        let e = c.fix_pair("election_tick=x").unwrap_err().to_string();
        assert_eq!(
            e,
            "knob election_tick: \"x\" is not a tick count (range: 5..=20)"
        );
        assert!(c.fix_pair("election_tick").is_err());
        assert!(c.fixed.is_empty());
    }
}
