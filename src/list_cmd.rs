//! `linsim list`: the registered workloads and nemeses.

/// Prints every workload and nemesis with its description.
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
}
