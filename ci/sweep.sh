#!/usr/bin/env bash
# A seed sweep for CI. Configure with environment variables:
#   LINSIM_SEEDS    seed range A..B            (default 0..100)
#   LINSIM_SHARD    this job's shard K/N       (default: no sharding)
#   LINSIM_WORKLOAD workload name              (default kv)
#   LINSIM_NEMESIS  nemesis list               (default all)
#   LINSIM_EXTRA    extra flags, e.g. --check-determinism
#   LINSIM_JSON     write the sweep's JSON lines to this file (for `linsim merge`)
# Failing seeds leave their artifacts under target/linsim/ (upload that folder).
# Never set RUSTFLAGS here: it would replace .cargo/config.toml and drop `--cfg madsim`.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(sweep --seeds "${LINSIM_SEEDS:-0..100}" --workload "${LINSIM_WORKLOAD:-kv}" --nemesis "${LINSIM_NEMESIS:-all}")
if [ -n "${LINSIM_SHARD:-}" ]; then
  args+=(--shard "$LINSIM_SHARD")
fi
# shellcheck disable=SC2206
args+=(${LINSIM_EXTRA:-})
cargo build --release --quiet
if [ -n "${LINSIM_JSON:-}" ]; then
  # JSON lines to the file (records in seed order, then the summary); the exit code
  # is the sweep's.
  target/release/linsim "${args[@]}" --json > "$LINSIM_JSON"
else
  exec target/release/linsim "${args[@]}"
fi
