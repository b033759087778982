#!/usr/bin/env bash
# Simulation speed table for the README: simulated PE-cycles per second of host
# time, one SystemC run per line. Build first (scripts/build.sh).
set -euo pipefail
bin="$(cd "$(dirname "$0")/.." && pwd)/build/trsim_bench"
for size in "16 16 256 1024 256" "32 32 256 1024 256" "128 128 512 2048 512"; do
  read -r rows cols m k n <<<"$size"
  for pe in mac tr; do
    modes="fast detailed"
    [ "$rows" -le 32 ] && modes="fast detailed structural"  # a module per PE: measured on the smaller arrays
    for mode in $modes; do
      "$bin" --pe "$pe" --mode "$mode" --rows "$rows" --cols "$cols" --m "$m" --k "$k" --n "$n"
    done
  done
done
