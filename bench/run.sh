#!/bin/sh
# Runs every benchmark against a CMake build directory, then prints the one summary table:
#   bench/run.sh BUILD_DIR
# Each benchmark prints its own detail; all figures are written as JSON under bench/results/.
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$root/$build ;; esac
out=$root/bench/results

cmake --build "$build" --target bench_xdr bench_null bench_load bench_stubs bench_tls >/dev/null
mkdir -p "$out"
"$build/bench/bench_xdr" --json "$out/xdr.json"
"$build/bench/bench_null" --json "$out/null_call.json"
"$build/bench/bench_load" --json "$out/load.json"
"$build/bench/bench_stubs" --json "$out/stubs.json"
# RPC-with-TLS beside cleartext and libtirpc through stunnel4 (scripts/deps.sh installs it).
"$build/bench/bench_tls" --json "$out/tls.json"
# ntirpc is a column only where CMake found it (bench/CMakeLists.txt).
rm -f "$out/ntirpc.json"
if cmake --build "$build" --target bench_ntirpc >/dev/null 2>&1; then
	"$build/bench/bench_ntirpc" --json "$out/ntirpc.json"
else
	echo "bench_ntirpc not built (libntirpc-dev missing): no ntirpc column"
fi
# gRPC likewise, where CMake found it (`scripts/deps.sh bench` installs it).
rm -f "$out/grpc.json"
if cmake --build "$build" --target bench_grpc >/dev/null 2>&1; then
	"$build/bench/bench_grpc" --json "$out/grpc.json"
else
	echo "bench_grpc not built (libgrpc++-dev or protobuf-compiler-grpc missing): no gRPC column"
fi
# Debian's Python: grpcio (python3-grpcio) is installed for it.
/usr/bin/python3 "$root/python/bench_python.py" --build "$build" --json "$out/python.json"
python3 "$root/bench/summary.py" "$out"
