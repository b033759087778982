#!/usr/bin/env bash
# Builds trsim's C++ tests with AddressSanitizer and UndefinedBehaviorSanitizer
# into build-asan/ and runs them under ctest (not the Python suites, label
# python: they drive the Release binary). Any sanitizer report fails the run:
# ASan aborts on its first error, and -fno-sanitize-recover=undefined makes
# UBSan do the same. The failing-run testbenches (tests/systemc/failing_run_sc_test.cpp)
# exercise the error paths with several threads. docs/robustness.md describes the job.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-asan"
jobs=${JOBS:-$(nproc)}
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
      -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
# The test executables only: the benchmarks and the Python suites' binary are not run here.
targets=(trsim_tests)
for f in "$root"/tests/systemc/*_sc_test.cpp; do targets+=("$(basename "$f" .cpp)"); done
cmake --build "$build" -j"$jobs" --target "${targets[@]}"
# SystemC runs its processes as coroutines on stacks of its own: ASan's fake stacks
# (detect_stack_use_after_return) and its alternate signal stack do not follow
# those switches, so both are off; everything else is at its default (leaks included).
export ASAN_OPTIONS="detect_stack_use_after_return=0:use_sigaltstack=0:abort_on_error=0:halt_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
cd "$build"
start=$(date +%s)
ctest --output-on-failure -j"$jobs" -LE python
echo "sanitizer tests: $(( $(date +%s) - start )) s"
