#!/bin/bash
# Prints seed/hash/verdict lines for a fixed set of sweeps, to compare a refactor
# against main before it: run it with both binaries and `diff <(sort A) <(sort B)`
# (identical lines: every seed still means what it meant).
# usage: ci/seed-hashes.sh path/to/linsim [system-args...]
B=$1; shift
run() { "$B" sweep "$@" --json 2>/dev/null | python3 -c '
import sys, json
for l in sys.stdin:
    o = json.loads(l)
    if "seed" in o: print(o["seed"], o["history_hash"], o["trace_hash"], o["verdict"], o.get("ops"))
' | sed "s|^|$* |"; }
run --seeds 0..40 --workload kv
run --seeds 0..40 --workload register
run --seeds 0..10 --workload kv --storage node
run --seeds 0..10 --workload register --nemesis membership,partition,crash --voters 3
run --seeds 0..10 --workload register --bug stale-local-reads
run --seeds 0..10 --workload kv --bug lying-fsync --nemesis power
run --seeds 0..6 --workload register --reads lease --nemesis skew
