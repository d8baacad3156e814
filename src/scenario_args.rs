//! The scenario flags shared by `run` and `sweep`.

use clap::Args;
use linsim_sim::knobs::{applies, KNOBS};
use linsim_sim::{KnobChoice, Scenario, DEFAULT_SYSTEM};
use std::time::Duration;

/// Which system, workload and faults, and the cluster's shape.
#[derive(Args, Debug, Clone)]
pub struct ScenarioArgs {
    /// The system under test (see `linsim list`).
    #[arg(long, default_value = DEFAULT_SYSTEM)]
    pub system: String,
    /// The workload (see `linsim list`).
    #[arg(long, default_value = "kv")]
    pub workload: String,
    /// Nemeses, comma-separated, or `all` (see `linsim list`).
    #[arg(long, default_value = "all")]
    pub nemesis: String,
    /// Raft servers (1 to 9).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=9))]
    pub nodes: u64,
    /// Voters the cluster boots with (ids 1..=V; default: every server). The other
    /// servers stay outside the configuration until a membership change adds them.
    #[arg(long, value_name = "V", value_parser = clap::value_parser!(u64).range(1..=9))]
    pub voters: Option<u64>,
    /// Client slots, each running one process at a time (1 to 100; default: drawn per
    /// seed from 3 to 100, the `clients` knob).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub clients: Option<u64>,
    /// Virtual time of the workload phase, e.g. 10s, 500ms, 2m.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Operations each client issues at most in the workload phase.
    #[arg(long, value_name = "N")]
    pub client_ops: Option<u64>,
    /// Fix a knob for every seed, NAME=VALUE (repeatable; `linsim list` shows the knobs).
    #[arg(long = "knob", value_name = "NAME=VALUE")]
    pub knob: Vec<String>,
    /// `random`: draw every knob not fixed from the seed; `default`: use the defaults.
    #[arg(long, default_value = "random", value_parser = ["random", "default"])]
    pub knobs: String,
    /// Inject one of the system's named bugs (repeatable; `linsim list` shows them).
    #[arg(long = "bug", value_name = "NAME")]
    pub bug: Vec<String>,
    /// How clients pick a server: `leader` (follow the leader) or `node` (bound to one
    /// server, which forwards). Shorthand for `--knob client_routing=...`.
    #[arg(long, value_parser = ["leader", "node"])]
    pub client_routing: Option<String>,
    /// How reads are served: `log`, `read-index` or `lease` (lease only when asked).
    /// Shorthand for `--knob reads=...`.
    #[arg(long, value_parser = ["log", "read-index", "lease"])]
    pub reads: Option<String>,
    /// Servers snapshot their state machine and compact their log every N applied
    /// entries (0: never). Shorthand for `--knob snapshot_every=N`.
    #[arg(long, value_name = "N")]
    pub snapshot_every: Option<String>,
    /// How servers write to disk: `sync` (the classic Ready loop), `async` (etcd's async
    /// storage writes: fsyncs on their own task, overlapping sends), `node` (async
    /// storage writes over etcd's Node API, raft in a task of its own) or `all` (sync or
    /// async, drawn per seed, the default). Shorthand for `--knob storage=...`.
    #[arg(long, value_parser = ["sync", "async", "node", "all"])]
    pub storage: Option<String>,
}

/// Parses `--jobs N`: at least 1 (0 would run nothing, and is not silently made 1).
pub fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("0 runs nothing: give at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{s:?} is not a number of jobs")),
    }
}

/// Parses `10s`, `500ms`, `1.5s`, `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| s.split_at(i))
        .ok_or_else(|| format!("{s:?} needs a unit: ms, s or m (e.g. 10s)"))?;
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a number followed by ms, s or m"))?;
    let secs = match unit {
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        other => return Err(format!("unknown unit {other:?} in {s:?}: use ms, s or m")),
    };
    if !(secs.is_finite() && secs > 0.0 && secs <= 3600.0) {
        return Err(format!("{s:?} must be between 1ms and 1h"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn format_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

impl ScenarioArgs {
    /// The defaults of every flag (as `linsim run` without scenario flags).
    pub fn defaults() -> ScenarioArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: ScenarioArgs,
        }
        Wrapper::parse_from(["linsim"]).args
    }

    /// The flags that set this scenario apart from its plain run (the system, workload
    /// and nemesis with every other flag at its default); `None` for the plain run.
    pub fn variant(&self) -> Option<String> {
        let plain = ScenarioArgs {
            system: self.system.clone(),
            workload: self.workload.clone(),
            nemesis: self.nemesis.clone(),
            ..ScenarioArgs::defaults()
        };
        let flags = self.flags();
        (flags != plain.flags()).then_some(flags)
    }

    /// The scenario, or a usage error naming what is wrong and the valid names.
    pub fn build(&self) -> Result<Scenario, String> {
        let system = crate::systems::by_name(&self.system)?;
        let workload = linsim_workloads::workload(&self.workload).map_err(|e| e.to_string())?;
        let nemesis =
            linsim_workloads::nemesis_for(&self.nemesis, &*system).map_err(|e| e.to_string())?;
        let mut sc = Scenario::new(system, workload, nemesis);
        sc.nodes = self.nodes;
        sc.voters = self.voters.unwrap_or(self.nodes);
        if sc.voters > sc.nodes {
            return Err(format!(
                "--voters {} is more than --nodes {}",
                sc.voters, sc.nodes
            ));
        }
        sc.clients = self.clients;
        sc.duration = self.duration;
        sc.client_ops = self.client_ops;
        sc.knobs = self.knob_choice()?;
        if let Some(e) = sc.knobs.contradiction() {
            return Err(e);
        }
        let own = sc.system.knobs();
        if let Some(name) = sc.knobs.fixed.keys().find(|k| !applies(k, own)) {
            let applicable: Vec<&str> = KNOBS
                .iter()
                .map(|k| k.name)
                .filter(|k| applies(k, own))
                .collect();
            return Err(format!(
                "knob {name} does not apply to system {} (its knobs: {})",
                sc.system.name(),
                applicable.join(", ")
            ));
        }
        for bug in &self.bug {
            sc.add_bug(bug)?;
        }
        Ok(sc)
    }

    fn knob_choice(&self) -> Result<KnobChoice, String> {
        let mut choice = KnobChoice {
            defaults: self.knobs == "default",
            ..KnobChoice::default()
        };
        for pair in &self.knob {
            choice.fix_pair(pair).map_err(|e| e.to_string())?;
        }
        if let Some(routing) = &self.client_routing {
            choice
                .fix("client_routing", routing)
                .map_err(|e| e.to_string())?;
        }
        if let Some(reads) = &self.reads {
            choice.fix("reads", reads).map_err(|e| e.to_string())?;
        }
        if let Some(every) = &self.snapshot_every {
            choice
                .fix("snapshot_every", every)
                .map_err(|e| e.to_string())?;
        }
        if let Some(mode) = self.storage.as_deref().filter(|m| *m != "all") {
            choice.fix("storage", mode).map_err(|e| e.to_string())?;
        }
        Ok(choice)
    }

    /// The directory name of this scenario's artifacts: `<workload>-<nemesis>`, after
    /// the system's name for a system other than the default.
    pub fn name(&self) -> String {
        let run = format!("{}-{}", self.workload, self.nemesis);
        if self.system == DEFAULT_SYSTEM {
            run
        } else {
            format!("{}-{run}", self.system)
        }
    }

    /// The flags that rebuild this scenario, for repro lines.
    pub fn flags(&self) -> String {
        let system = if self.system == DEFAULT_SYSTEM {
            String::new()
        } else {
            format!("--system {} ", self.system)
        };
        let mut flags = format!(
            "{system}--workload {} --nemesis {} --nodes {} --duration {}",
            self.workload,
            self.nemesis,
            self.nodes,
            format_duration(self.duration)
        );
        if let Some(n) = self.clients {
            flags.push_str(&format!(" --clients {n}"));
        }
        if let Some(n) = self.client_ops {
            flags.push_str(&format!(" --client-ops {n}"));
        }
        if let Some(v) = self.voters {
            flags.push_str(&format!(" --voters {v}"));
        }
        let knobs = self.knob_choice().map(|c| c.flags()).unwrap_or_default();
        if !knobs.is_empty() {
            flags.push(' ');
            flags.push_str(&knobs);
        }
        for bug in &self.bug {
            flags.push_str(&format!(" --bug {bug}"));
        }
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("10").unwrap_err().contains("needs a unit"));
        assert!(parse_duration("10h").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("0s").is_err());
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
    }
}
