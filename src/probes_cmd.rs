//! `linsim probes`: every code probe, where it lives, and whether it guards safety.

/// Prints every probe: name, file, `guard` for safety-guard refusal branches, meaning.
pub fn run() {
    let probes = linsim_sim::probes::all();
    println!(
        "{} code probes ({} safety guards); `linsim sweep` reports the share of seeds hitting each",
        probes.len(),
        probes.iter().filter(|p| p.guard).count()
    );
    for p in probes {
        println!(
            "  {:<38} {:<28} {:<5} {}",
            p.name,
            p.file,
            if p.guard { "guard" } else { "" },
            p.description
        );
    }
}
