#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (C++ and Python) under ctest.
# The C++ tests (unit tests and SystemC testbenches) run twice in parallel
# (--repeat until-fail:2), so a test that fails only sometimes (shared temp
# names, ordering) fails instead of passing by luck; the Python suites
# (label python: traces, analysis, end-to-end, robustness, golden results) run once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j"$(nproc)" -LE python --repeat until-fail:2
ctest --output-on-failure -j"$(nproc)" -L python
