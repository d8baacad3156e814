#!/usr/bin/env bash
# Checks every Knossos test history whose verdict Knossos's tests assert with
# `linsim check`, the model built as those tests build it, and prints one line per
# disagreement and then `knossos-data agree=N total=M`. Exit 0 iff all agree.
#
#   ci/knossos-data.sh /path/to/knossos [path/to/linsim]
#
# (core_test.clj's test-examples: data/cas-register/{good,bad} with (cas-register 0),
# data/multi-register/good with (multi-register {:x 0 :y 0}); wgl_test.clj and
# linear_test.clj: rethink-fail-minimal and -smaller with (cas-register nil).)
set -u
knossos=${1:?usage: ci/knossos-data.sh /path/to/knossos [linsim]}
linsim=${2:-linsim}
agree=0
total=0
run() { # want-exit model init file
    total=$((total + 1))
    out=$("$linsim" check --format edn --model "$2" --init "$3" "$4" 2>&1)
    code=$?
    if [ "$code" = "$1" ]; then
        agree=$((agree + 1))
    else
        echo "disagree: $4 (--model $2 --init '$3'): exit $code, Knossos says exit $1: $out"
    fi
}
for f in "$knossos"/data/cas-register/good/*.edn; do run 0 cas-register 0 "$f"; done
for f in "$knossos"/data/cas-register/bad/*.edn; do run 1 cas-register 0 "$f"; done
for f in "$knossos"/data/multi-register/good/*.edn; do run 0 multi-register '{:x 0 :y 0}' "$f"; done
for f in rethink-fail-minimal rethink-fail-smaller; do
    run 1 cas-register nil "$knossos/data/cas-register/bad/$f.edn"
done
echo "knossos-data agree=$agree total=$total"
[ "$agree" = "$total" ]
