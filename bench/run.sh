#!/bin/sh
# Runs the benchmarks against a CMake build directory: bench/run.sh BUILD_DIR
# Figures are printed and written as JSON under bench/results/.
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$root/$build ;; esac

cmake --build "$build" --target bench_xdr bench_null bench_load >/dev/null
mkdir -p "$root/bench/results"
"$build/bench/bench_xdr" --json "$root/bench/results/xdr.json"
"$build/bench/bench_null" --json "$root/bench/results/null_call.json"
"$build/bench/bench_load" --json "$root/bench/results/load.json"
echo "written: bench/results/xdr.json null_call.json load.json"
