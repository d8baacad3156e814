//! The ceiling: a bare madsim program of a linsim seed's shape (`bare::SEED_SHAPE`), no
//! Raft and no checker, one seed at a time on one core. Prints
//! `ceiling msgs_per_sec=N`. Runs 100 seeds, or `LINSIM_SEEDS=A..B`.

mod bare;

fn main() {
    let range = std::env::var("LINSIM_SEEDS").unwrap_or_else(|_| "0..100".into());
    let (a, b) = range.split_once("..").expect("LINSIM_SEEDS=A..B");
    let (a, b): (u64, u64) = (a.parse().expect("A"), b.parse().expect("B"));
    let shape = bare::SEED_SHAPE;
    let start = std::time::Instant::now();
    let messages: u64 = (a..b).map(|seed| bare::run_once(shape, seed)).sum();
    let wall = start.elapsed().as_secs_f64();
    println!(
        "ceiling msgs_per_sec={:.0} runs={} messages_per_run={} wall_s={wall:.2} shape={shape:?}",
        messages as f64 / wall,
        b - a,
        messages / (b - a).max(1),
    );
}
