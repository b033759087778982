#!/usr/bin/env bash
# Two builds of trsim on one run, in ABBA order: pair i runs OLD then NEW when i is odd and NEW then
# OLD when it is even, so neither build always goes second. Why: on this 2-core virtual machine the
# same binary run twice in a row on ResNet-50 took 0.04, 0.20 and 0.17 s longer the second time in three
# old-then-new pairs (2026-12-07), as large as the changes being measured; always running the new build
# second would have charged each change with that. Even so, identical builds in four ABBA pairs differed
# by 4 % in their means: measure more pairs than the change is small.
# Prints every run (build, wall s, CPU s) and each build's mean, median and range of wall time, then
# compares the two results files of the last pair with bench/same_results.py (every stat but host time).
# Usage: bench/compare_builds.sh OLD_TRSIM NEW_TRSIM TRACE [PAIRS] [--set KEY=VALUE ...]
#   e.g. bench/compare_builds.sh /tmp/old/build/trsim build/trsim traces/generated/resnet50_synthetic.h5 8 \
#          --set array.rows=128 --set array.cols=128
# The config is configs/default.yaml; PAIRS defaults to 6.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ $# -lt 3 ]]; then
  awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0" >&2
  exit 2
fi
old="$1" new="$2" trace="$3"
shift 3
pairs=6
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then pairs="$1"; shift; fi
for bin in "$old" "$new"; do [[ -x "$bin" ]] || { echo "not an executable: $bin" >&2; exit 2; }; done
[[ -f "$trace" ]] || { echo "no such trace: $trace" >&2; exit 2; }
trace="$(cd "$(dirname "$trace")" && pwd)/$(basename "$trace")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# run NAME BINARY: one run under /usr/bin/time; appends "NAME wall cpu" to $work/runs.
run() {
  local name="$1" bin="$2"
  shift 2
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$bin" run "$root/configs/default.yaml" -o "$work/$name.h5" \
    --set "trace=$trace" --set simulation.progress=false "$@" >"$work/out" 2>&1 ||
    { cat "$work/out" >&2; exit 1; }
  local wall user sys
  read -r wall user sys <"$work/time"
  echo "$name $wall $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')" | tee -a "$work/runs"
}
args=("$@")
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build wall_s cpu_s"
for i in $(seq "$pairs"); do
  if (( i % 2 == 1 )); then
    run old "$old" "${args[@]}"; run new "$new" "${args[@]}"
  else
    run new "$new" "${args[@]}"; run old "$old" "${args[@]}"
  fi
done
for b in old new; do
  awk -v b="$b" '$1 == b {print $2, $3}' "$work/runs" | sort -n |
    awk -v b="$b" '{w[NR] = $1; s += $1; c += $2} END {
      m = NR % 2 ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
      printf "%s: mean %.3f s, median %.3f s, range %.2f-%.2f s, mean CPU %.2f s over %d runs\n", b, s / NR, m, w[1], w[NR], c / NR, NR}'
done
/usr/bin/python3 "$root/bench/same_results.py" "$work/old.h5" "$work/new.h5" | tail -1
