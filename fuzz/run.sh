#!/usr/bin/env bash
# fuzz/run.sh short|long — builds the libFuzzer targets with clang (ASan + UBSan) into
# build-fuzz/, replays fuzz/regressions/<target>/*, then fuzzes each target for a bounded time
# starting from fuzz/corpus/<target>/ (and what earlier runs found, kept in build-fuzz/corpus/).
# short: ~20 s per target (make test); long: 5 min per target (make fuzz). FUZZ_SECONDS
# overrides the time per target. Exits non-zero when a target crashes or does not build.
set -uo pipefail

mode=${1:-}
case $mode in
short) seconds=${FUZZ_SECONDS:-20} ;;
long) seconds=${FUZZ_SECONDS:-300} ;;
*)
	echo "usage: fuzz/run.sh short|long" >&2
	exit 2
	;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
fuzz=$root/fuzz
build=$root/build-fuzz
targets=(fuzz_xdr fuzz_rpc fuzz_record fuzz_server fuzz_rpcbind fuzz_starttls fuzz_x_parser
	fuzz_generated fuzz_json)

if ! command -v clang >/dev/null; then
	echo "fuzz: clang is missing (scripts/deps.sh installs it)" >&2
	exit 1
fi
# Debian's clang only recommends the package with libFuzzer's runtime.
if [ ! -e "$(clang -print-file-name="libclang_rt.fuzzer-$(uname -m).a")" ]; then
	echo "fuzz: libFuzzer's runtime is missing (Debian: apt-get install libclang-rt-14-dev)" >&2
	exit 1
fi
echo "fuzz: building with clang into ${build#"$root"/}/"
mkdir -p "$build"
if ! cmake -S "$fuzz" -B "$build" -DCMAKE_C_COMPILER=clang >"$build/build.log" 2>&1 ||
	! cmake --build "$build" -j "$(nproc)" >>"$build/build.log" 2>&1; then
	tail -n 30 "$build/build.log" >&2
	echo "fuzz: build failed (log: $build/build.log)" >&2
	exit 1
fi

# The fuzzers run in an empty directory: fuzz_x_parser's inputs may name files to read.
mkdir -p "$build/cwd" "$build/artifacts" "$build/logs"
cd "$build/cwd" || exit 1

passed=0
failed=0
for t in "${targets[@]}"; do
	bin=$build/$t
	log=$build/logs/$t.log
	if [ ! -x "$bin" ]; then
		echo "$t: not built (its sources are missing), skipped"
		continue
	fi
	opts=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1
		-artifact_prefix="$build/artifacts/$t-")
	[ -f "$fuzz/$t.dict" ] && opts+=(-dict="$fuzz/$t.dict")

	# Every input that once crashed a target, each run.
	regressions=()
	if [ -d "$fuzz/regressions/$t" ]; then
		for f in "$fuzz/regressions/$t"/*; do
			[ -f "$f" ] && regressions+=("$f")
		done
	fi
	if [ ${#regressions[@]} -gt 0 ] && ! "$bin" "${opts[@]}" "${regressions[@]}" >"$log" 2>&1; then
		grep -E -m 20 'ERROR|runtime error|check failed|Running:' "$log"
		echo "$t: FAILED replaying fuzz/regressions/$t (log: $log)"
		failed=$((failed + 1))
		continue
	fi

	mkdir -p "$build/corpus/$t"
	"$bin" "${opts[@]}" -max_total_time="$seconds" "$build/corpus/$t" "$fuzz/corpus/$t" \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\)[[:space:]]*DONE.*/\1/p' "$log" | tail -n 1)
	corpus=$(find "$build/corpus/$t" -type f | wc -l)
	if [ $rc -eq 0 ]; then
		echo "$t: ${execs:-?} executions in ${seconds} s, corpus $corpus, passed"
		passed=$((passed + 1))
	else
		grep -E -m 20 -A 12 'ERROR|runtime error|check failed' "$log"
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		echo "$t: ${execs:-?} executions, FAILED (exit $rc; input: ${artifact:-none}; log: $log)"
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
