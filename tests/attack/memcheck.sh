#!/bin/sh
# memcheck.sh BUILD_DIR: the end-to-end tests under valgrind memcheck; fails on any error or
# any definite or indirect leak, in the tests and in the server children of the attack tests
# (--trace-children=yes: the child exits non-zero on a leak, and its test fails).
# Logs: BUILD_DIR/memcheck/NAME.log. Two tests run at a time (JOBS=N to change).
set -u
build=${1:?usage: memcheck.sh BUILD_DIR}
jobs=${JOBS:-2}
logs="$build/memcheck"
mkdir -p "$logs"

command -v valgrind >/dev/null || { echo "memcheck: valgrind is not installed" >&2; exit 1; }

VALGRIND="valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect"

# name, then the command line (relative to the build dir).
tests="
test_client_server tests/runtime/test_client_server
test_async tests/runtime/test_async
test_workers tests/runtime/test_workers
test_conn_lifetime tests/runtime/test_conn_lifetime
test_deferred tests/runtime/test_deferred
test_rpcbind tests/runtime/test_rpcbind
test_rpcbind_access tests/runtime/test_rpcbind_access
test_server_limits tests/runtime/test_server_limits
test_tls tests/tls/test_tls
test_tls_hostile tests/tls/test_tls_hostile
test_attack_program tests/attack/test_attack_program
test_attack_rpcbind tests/attack/test_attack_rpcbind
test_attack_program_workers tests/attack/test_attack_program_workers
"

run_one() {
	name=$1
	exe="$build/$2"
	log="$logs/$name.log"
	if [ ! -x "$exe" ]; then
		echo "FAIL $name: $exe is missing (build first)"
		return 1
	fi
	start=$(date +%s)
	case $name in
	test_attack_*)
		# The attacks' server runs in a child process: check it too.
		ONC_ATTACK_VALGRIND=1 $VALGRIND --trace-children=yes "$exe" >"$log" 2>&1 ;;
	*)
		$VALGRIND "$exe" >"$log" 2>&1 ;;
	esac
	rc=$?
	took=$(($(date +%s) - start))
	if [ $rc -eq 0 ]; then
		echo "ok   $name (${took}s)"
	else
		echo "FAIL $name (exit $rc, ${took}s): $log"
		grep -E '^==[0-9]+==|FAILED|ERROR' "$log" | head -40
		return 1
	fi
}

if [ "${2:-}" = "--one" ]; then # one test, as run by xargs below
	run_one "$3" "$4"
	exit $?
fi

start=$(date +%s)
echo "memcheck: $(echo "$tests" | grep -c .) tests under valgrind, $jobs at a time"
if echo "$tests" | grep . | xargs -P "$jobs" -L 1 "$0" "$build" --one; then
	echo "memcheck: no errors, no leaks ($(($(date +%s) - start))s)"
else
	echo "memcheck: FAILED ($(($(date +%s) - start))s; logs in $logs)"
	exit 1
fi
