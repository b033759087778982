#!/usr/bin/env bash
# Results matrix: the same runs with two trsim builds, every results file compared (bench/same_results.py:
# every dataset but host time). Speed work must leave each one identical.
#   networks: the bundled traces (MLP, CNN, LSTM, ResNet-style, MobileNet-style with SE, the first layers of
#             ResNet-18), plus the synthetic ImageNet traces that exist (EXTRA_TRACES: file names in traces/generated)
#   configs:  TR (HESE budgets), MAC, Pragmatic; QT at 4 bits; per-channel depthwise; output-stationary
#   modes:    fast, detailed, structural (structural and detailed on the small traces only)
# Usage: bench/results_matrix.sh BEFORE_TRSIM AFTER_TRSIM [OUT_DIR]   (OUT_DIR kept when given)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
before="$1" after="$2"
out="${3:-$(mktemp -d)}"
[[ $# -ge 3 ]] || trap 'rm -rf "$out"' EXIT
mkdir -p "$out"
small="mlp_fashion_mnist cnn_fashion_mnist lstm_kjv resnet_fashion_mnist mbv2se_fashion_mnist resnet18_first5_synthetic"
extra="${EXTRA_TRACES:-resnet50_synthetic.h5}"
configs=(
  "tr|pe.kind=tr"
  "mac|pe.kind=mac"
  "pragmatic|pe.kind=pragmatic"
  "qt4|pe.kind=tr operands.weights.quantize_bits=4 operands.data.quantize_bits=4"
  "os|pe.kind=tr array.dataflow=output_stationary"
  "perchannel|pe.kind=tr mapping.depthwise=per_channel"
)
fail=0
# run NAME TRACE SIZE SETS...: both builds, then the comparison.
run() {
  local name="$1" trace="$2" size="$3"
  shift 3
  local args=(run "$root/configs/default.yaml" --set "trace=$trace" --set array.rows="$size" --set array.cols="$size"
              --set outputs.save_layer_outputs=true --set simulation.progress=false --set accuracy.score=off)
  for s in "$@"; do args+=(--set "$s"); done
  "$before" "${args[@]}" -o "$out/$name.before.h5" >/dev/null
  "$after" "${args[@]}" -o "$out/$name.after.h5" >/dev/null
  if verdict="$(/usr/bin/python3 "$root/bench/same_results.py" "$out/$name.before.h5" "$out/$name.after.h5")"; then
    echo "$name: ${verdict##*$'\n'}"
  else
    echo "$name: $verdict"
    fail=1
  fi
}
for t in $small; do
  trace="$root/traces/bundled/$t.h5"
  for c in "${configs[@]}"; do
    # shellcheck disable=SC2086
    run "${t}_${c%%|*}_fast" "$trace" 16 ${c#*|}
  done
  run "${t}_tr_detailed" "$trace" 16 pe.kind=tr simulation.mode=detailed
  run "${t}_tr_structural" "$trace" 8 pe.kind=tr simulation.mode=structural
  run "${t}_mac_structural" "$trace" 8 pe.kind=mac simulation.mode=structural
done
for t in $extra; do
  trace="$root/traces/generated/$t"
  [[ -f "$trace" ]] || { echo "skipped $t: not generated"; continue; }
  run "${t%.h5}_tr_fast_128" "$trace" 128 pe.kind=tr
  run "${t%.h5}_tr_fast_32" "$trace" 32 pe.kind=tr
done
[[ $fail == 0 ]] && echo "every result identical" || { echo "RESULTS DIFFER"; exit 1; }
