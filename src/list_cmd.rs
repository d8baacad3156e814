//! `linsim list`: the registered workloads and nemeses, and the knobs.

/// Prints every workload and nemesis with its description, and every knob with the
/// range a seed draws it from.
pub fn run() {
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
        println!(
            "  {:<20} {:<26} default {:<7} {}",
            k.name, k.range, k.default, k.description
        );
    }
    println!("bugs (inject with --bug NAME; `linsim bugs` proves sweeps find each):");
    for b in linsim_sim::ZOO {
        println!(
            "  {:<28} {:<12} caught by {:<22} {}",
            b.name, b.layer, b.check, b.description
        );
    }
}
