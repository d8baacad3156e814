//! `linsim list`: the systems, workloads, nemeses, models, knobs and named bugs.

/// Prints every system (each on a line of its own that starts with its name), every
/// workload and nemesis with its description, every knob with the range a seed draws
/// it from and the systems it applies to, and every system's named bugs.
pub fn run() {
    let systems = crate::systems::all();
    // Each system's line starts with its name (scripts read them): `--system NAME`.
    println!("systems:");
    for (i, s) in systems.iter().enumerate() {
        let default = if i == 0 { " (the default)" } else { "" };
        println!(
            "{:<20} {}{default} [{}]",
            s.name(),
            s.about(),
            crate::systems::capabilities(&**s)
        );
    }
    println!("workloads:");
    for w in linsim_workloads::workload_entries() {
        println!("  {:<18} {}", w.name, w.description);
    }
    println!("nemeses (combine with commas, e.g. partition,crash):");
    println!("  {:<18} every nemesis below except none", "all");
    for n in linsim_workloads::nemesis_entries() {
        println!("  {:<18} {}", n.name, n.description);
    }
    println!("models (linsim check --model NAME):");
    for m in linsim_checker::MODELS {
        println!("  {:<18} {}", m.name, m.description);
    }
    println!("knobs (drawn from each seed; fix with --knob NAME=VALUE, or --knobs default):");
    for k in linsim_sim::knobs::KNOBS {
        let only: Vec<&str> = systems
            .iter()
            .filter(|s| linsim_sim::knobs::applies(k.name, s.knobs()))
            .map(|s| s.name())
            .collect();
        let scope = if only.len() == systems.len() {
            String::new()
        } else {
            format!(" [{}]", only.join(", "))
        };
        println!(
            "  {:<20} {:<26} default {:<7} {}{scope}",
            k.name, k.range, k.default, k.description
        );
    }
    for s in &systems {
        let bugs = s.bugs();
        if bugs.is_empty() {
            continue;
        }
        println!(
            "bugs of {} (inject with --bug NAME; `linsim bugs` proves sweeps find each):",
            s.name()
        );
        for b in bugs {
            println!(
                "  {:<28} {:<12} caught by {:<22} {}",
                b.name, b.layer, b.check, b.description
            );
        }
    }
}
