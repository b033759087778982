#!/usr/bin/env bash
# Whole-network speed: wall time and peak memory (/usr/bin/time -v) of `trsim run` on the
# ImageNet traces (ResNet-18, ResNet-50, VGG-16, MobileNet-v2) on 32x32 and 128x128 TR arrays
# (configs/default.yaml otherwise), next to the arithmetic floor measured in the same run:
# bench/numpy_floor.py, the exact integer outputs of every layer by im2col and BLAS on 2 threads (the
# arithmetic no simulation of these layers can avoid; its trace reading is not counted), and
# `trsim_floor`, the same outputs by trsim's reference GEMM on one thread, reading included. Best of
# REPEAT runs (default 2; the numpy floor: best of FLOOR_REPEAT, default 5). CPU seconds (user + sys)
# and the load average (uptime) are printed too: on a shared machine they say more than wall time.
# Generate the traces first: /usr/bin/python3 traces/make_traces.py imagenet resnet18 resnet50 vgg16 mobilenet_v2
# Usage: bench/networks.sh [TRSIM] [TRSIM_FLOOR]   (defaults: build/trsim build/trsim_floor)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
trsim="${1:-$root/build/trsim}"
floor="${2:-$root/build/trsim_floor}"
repeat="${REPEAT:-2}"
floor_repeat="${FLOOR_REPEAT:-5}"
networks="${NETWORKS:-resnet18 resnet50 vgg16 mobilenet_v2}"
sizes="${SIZES:-32 128}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# best_of CMD...: runs CMD `repeat` times under /usr/bin/time -v; prints "wall_s peak_mib cpu_s" of the fastest run.
best_of() {
  local best="" mem="" cpu=""
  for _ in $(seq "$repeat"); do
    /usr/bin/time -v "$@" >"$work/out" 2>"$work/time" || { cat "$work/out" "$work/time" >&2; return 1; }
    local wall rss
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/time")"
    rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$work/time")"
    used="$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$work/time")"
    if [[ -z "$best" ]] || awk -v a="$wall" -v b="$best" 'BEGIN {exit !(a < b)}'; then best="$wall" mem="$rss" cpu="$used"; fi
  done
  echo "$best $mem $cpu"
}

# numpy_floor TRACE: the best of `floor_repeat` arithmetic times (s) of bench/numpy_floor.py. BLAS on this
# 2-core virtual machine is erratic: five runs of VGG-16's floor in a row took 0.82-2.79 s (2026-12-06).
numpy_floor() {
  local best=""
  for _ in $(seq "$floor_repeat"); do
    local s
    s="$(/usr/bin/python3 "$root/bench/numpy_floor.py" "$1" | sed -n 's/.*arithmetic \([0-9.]*\) s.*/\1/p')"
    if [[ -z "$best" ]] || awk -v a="$s" -v b="$best" 'BEGIN {exit !(a < b)}'; then best="$s"; fi
  done
  echo "$best"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| network | array | trsim wall s | CPU s | peak MiB | numpy floor s | wall / numpy floor | trsim_floor wall s | trsim_floor CPU s |\n|---|---|---|---|---|---|---|---|---|\n'
for net in $networks; do
  trace="$root/traces/generated/${net}_synthetic.h5"
  [[ -f "$trace" ]] || { echo "missing $trace (see the comment at the top)" >&2; exit 1; }
  floor_s="-" floor_cpu="-"
  if [[ -x "$floor" ]]; then read -r floor_s _ floor_cpu < <(best_of "$floor" "$trace"); fi
  np_s="$(numpy_floor "$trace")"
  for n in $sizes; do
    read -r wall mem cpu < <(best_of "$trsim" run "$root/configs/default.yaml" -o "$work/out.h5" --set "trace=$trace" \
      --set array.rows="$n" --set array.cols="$n" --set simulation.progress=false)
    ratio="$(awk -v a="$wall" -v b="$np_s" 'BEGIN {printf "%.1f", a / b}')"
    printf '| %s | %sx%s | %s | %s | %s | %s | %s | %s | %s |\n' "$net" "$n" "$n" "$wall" "$cpu" "$mem" "$np_s" "$ratio" "$floor_s" "$floor_cpu"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
