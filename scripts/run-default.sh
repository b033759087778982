#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default simulation.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
mkdir -p "$root/results"
"$root/build/trsim" run "$root/configs/default.yaml" -o "$root/results/default.h5"
