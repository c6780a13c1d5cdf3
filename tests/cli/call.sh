#!/usr/bin/env bash
# onc describe and onc call end to end: the calc server (onc's C runtime, found through
# `onc rpcbind`), the calc program on onc's Python runtime (AUTH_ERROR, AUTH_SYS, a call never
# answered, a Unix socket), and rpcgen + libtirpc's all_types server (every type of
# all_types.x echoed); the RPC errors and bad input, with their exact messages.
# usage: call.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
onc=$build/cli/onc
calc_x=$src/examples/calc/calc.x
more_x=$src/tests/cli/calc_more.x
all_x=$src/tests/compiler/all_types.x
passed=0 failed=0
pids=()
tmp=$(mktemp -d)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# start NAME COMMAND...: runs it in the background until the line its log must show comes
start() {
	local log=$tmp/$1.log pattern=$2
	shift 2
	"$@" >"$log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		grep -q "$pattern" "$log" && return
		sleep 0.1
	done
	echo "FAIL: $* did not start"; cat "$log"
	exit 1
}

# expect NAME STATUS EXPECTED_OUTPUT COMMAND...: stdout and stderr together, and the status
expect() {
	local name=$1 want_rc=$2 want=$3 got rc
	shift 3
	got=$(timeout 30 "$@" 2>&1)
	rc=$?
	if [ "$got" == "$want" ] && [ "$rc" == "$want_rc" ]; then
		echo "ok: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name"; echo "--- expected (status $want_rc)"; echo "$want"
		echo "--- got (status $rc)"; echo "$got"
		failed=$((failed + 1))
	fi
}

start rpcbind "serving on" "$onc" rpcbind --port 0
pmap=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$tmp/rpcbind.log")
start calc "serving on" "$build/examples/calc/calc_server" --rpcbind "$pmap"
calc_tcp=$(sed -n 's/.*tcp port \([0-9]*\),.*/\1/p' "$tmp/calc.log")
calc_udp=$(sed -n 's/.*udp port \([0-9]*\);.*/\1/p' "$tmp/calc.log")

# ---- onc describe
expect "describe a procedure" 0 "$(cat <<'OUT'
program CALC_PROG {
	version CALC_V1 {
		division CALC_DIVIDE(operands) = 4;
	} = 1;
} = 0x20000c01;

struct operands {
	int a;
	int b;
};

enum calc_error {
	CALC_OK = 0,
	CALC_DIVISION_BY_ZERO = 1,
	CALC_OVERFLOW = 2
};

struct quotient {
	int quot;
	int rem;
};

union division switch (calc_error status) {
case CALC_OK:
	quotient result;
default:
	void;
};
OUT
)" "$onc" describe "$calc_x" CALC_PROG.1.CALC_DIVIDE
expect "describe a type" 0 "$(printf 'typedef int values<CALC_MAX_VALUES>;\n\nconst CALC_MAX_VALUES = 1024;')" \
	"$onc" describe "$calc_x" values
expect "describe: did you mean" 1 "onc describe: no program, type or constant 'operand'; did you mean 'operands'?" \
	"$onc" describe "$calc_x" operand
expect "describe: -D" 0 "$(printf 'struct inline_pair {\n\tint a;\n\tstring s<>;\n};')" \
	"$onc" describe "$all_x" inline_pair
expect "describe: -D leaves it out" 1 "onc describe: no program, type or constant 'inline_pair'" \
	"$onc" describe -DRPCGEN_SUBSET "$all_x" inline_pair

# ---- the calc server, through rpcbind, over TCP and UDP
via_rpcbind=(--rpcbind "$pmap" "$calc_x" tcp://127.0.0.1)
expect "add (rpcbind, tcp)" 0 "42" "$onc" call "${via_rpcbind[@]}" CALC_PROG.CALC_V1.CALC_ADD '{"a": 20, "b": 22}'
expect "add (rpcbind, udp)" 0 "-3" "$onc" call --rpcbind "$pmap" "$calc_x" udp://127.0.0.1 CALC_PROG.CALC_V1.CALC_SUBTRACT '{"a": 7, "b": 10}'
expect "multiply: two arguments, numbers" 0 "80779853376" \
	"$onc" call "$calc_x" "udp://127.0.0.1:$calc_udp" 0x20000c01.1.3 '[123456, 654321]'
expect "divide: a union" 0 "$(printf '{\n  "status": "CALC_OK",\n  "result": {\n    "quot": 3,\n    "rem": 2\n  }\n}')" \
	"$onc" call "$calc_x" "tcp://127.0.0.1:$calc_tcp" CALC_PROG.CALC_V1.CALC_DIVIDE '{"a": 17, "b": 5}'
expect "divide: a void arm" 0 "$(printf '{\n  "status": "CALC_DIVISION_BY_ZERO"\n}')" \
	"$onc" call "$calc_x" "tcp://127.0.0.1:$calc_tcp" CALC_PROG.CALC_V1.CALC_DIVIDE '{"a": 1, "b": 0}'
expect "echo from stdin" 0 '"hello, onc"' \
	sh -c "echo '\"hello, onc\"' | '$onc' call '$calc_x' tcp://127.0.0.1:$calc_tcp CALC_PROG.CALC_V1.CALC_ECHO -"
expect "sum, -v" 0 "$(cat <<OUT
> call CALC_PROG.CALC_V1.CALC_SUM (program 536873985 version 1 procedure 6) at tcp://127.0.0.1:$calc_tcp
> 16 bytes of arguments
> 0000  00000003 00000001 00000002 00000003
< 8 bytes of results
< 0000  00000000 00000006
6
OUT
)" "$onc" call -v "$calc_x" "tcp://127.0.0.1:$calc_tcp" CALC_PROG.CALC_V1.CALC_SUM '[1, 2, 3]'

expect "--list: what rpcbind lists, described" 0 "$(cat <<OUT
program 100000 (portmapper) version 2: tcp $pmap, udp $pmap
program 100000 (portmapper) version 3: tcp $pmap, udp $pmap
program 100000 (portmapper) version 4: tcp $pmap, udp $pmap
program 536873985 (CALC_PROG) version 1 (CALC_V1): tcp $calc_tcp, udp $calc_udp
	int CALC_ADD(operands) = 1;
	int CALC_SUBTRACT(operands) = 2;
	hyper CALC_MULTIPLY(int, int) = 3;
	division CALC_DIVIDE(operands) = 4;
	text CALC_ECHO(text) = 5;
	hyper CALC_SUM(values) = 6;
OUT
)" "$onc" call --list --rpcbind "$pmap" 127.0.0.1 "$calc_x"

# ---- RPC errors
at="tcp://127.0.0.1:$calc_tcp"
expect "PROG_MISMATCH" 1 "onc call: CALC_PROG.CALC_V2.CALC_ADD at $at: PROG_MISMATCH: the server has versions 1 to 1 of program CALC_PROG, not 2" \
	"$onc" call "$more_x" "$at" CALC_PROG.CALC_V2.CALC_ADD '[1, 2]'
expect "PROC_UNAVAIL" 1 "onc call: CALC_PROG.CALC_V1.CALC_MISSING at $at: PROC_UNAVAIL: procedure unavailable" \
	"$onc" call "$more_x" "$at" CALC_PROG.CALC_V1.CALC_MISSING
expect "GARBAGE_ARGS" 1 "onc call: CALC_PROG.CALC_V1.CALC_ADD_ONE at $at: GARBAGE_ARGS: server could not decode the arguments" \
	"$onc" call "$more_x" "$at" CALC_PROG.CALC_V1.CALC_ADD_ONE 1
expect "PROG_UNAVAIL" 1 "onc call: NOT_CALC.NOT_CALC_V1.NOT_CALC_NULL at $at: PROG_UNAVAIL: program unavailable" \
	"$onc" call "$more_x" "$at" NOT_CALC.1.0
expect "not registered with rpcbind" 1 "onc call: cannot reach program NOT_CALC version NOT_CALC_V1 at tcp://127.0.0.1: program unavailable" \
	"$onc" call --rpcbind "$pmap" "$more_x" tcp://127.0.0.1 NOT_CALC.1.0

# ---- the Python runtime's calc: AUTH_ERROR, AUTH_SYS, a call never answered, a Unix socket
"$onc" gen --lang python -o "$tmp/py" "$calc_x" >/dev/null
start py "^tcp " env PYTHONPATH="$src/python" python3 "$src/tests/cli/auth_server.py" "$tmp/py" "$tmp/calc.sock"
py=tcp://127.0.0.1:$(sed -n 's/^tcp //p' "$tmp/py.log")
expect "AUTH_ERROR" 1 "onc call: CALC_PROG.CALC_V1.CALC_ADD at $py: AUTH_ERROR: AUTH_TOOWEAK" \
	"$onc" call "$calc_x" "$py" CALC_PROG.CALC_V1.CALC_ADD '{"a": 1, "b": 2}'
expect "AUTH_ERROR: uid 1" 1 "onc call: CALC_PROG.CALC_V1.CALC_ADD at $py: AUTH_ERROR: AUTH_TOOWEAK" \
	"$onc" call --auth-sys=uid=1 "$calc_x" "$py" CALC_PROG.CALC_V1.CALC_ADD '{"a": 1, "b": 2}'
expect "--auth-sys uid 0" 0 "3" \
	"$onc" call --auth-sys=uid=0 "$calc_x" "$py" CALC_PROG.CALC_V1.CALC_ADD '{"a": 1, "b": 2}'
expect "--auth-sys: every field" 0 '"box 7 8 9:10:11"' \
	"$onc" call --auth-sys=uid=7,gid=8,gids=9:10:11,machine=box "$calc_x" "$py" CALC_PROG.CALC_V1.CALC_ECHO '"x"'
expect "unix://" 0 '"AUTH_NONE"' \
	"$onc" call "$calc_x" "unix://$tmp/calc.sock" CALC_PROG.CALC_V1.CALC_ECHO '"x"'
expect "--timeout" 1 "onc call: CALC_PROG.CALC_V1.CALC_SUBTRACT at $py: timed out after 0.5 s" \
	"$onc" call --timeout 0.5 "$calc_x" "$py" CALC_PROG.CALC_V1.CALC_SUBTRACT '{"a": 1, "b": 2}'

# ---- rpcgen + libtirpc's all_types server: every type of all_types.x there and back
start rpcgen "^tcp " "$build/tests/peers/all_types_rpcgen_testd"
tirpc=tcp://127.0.0.1:$(awk '{print $2}' "$tmp/rpcgen.log")
all=("$onc" call -DRPCGEN_SUBSET "$all_x" "$tirpc")
"${all[@]}" ALL_TYPES_PROG.ALL_TYPES_V1.ALL_ECHO - <"$src/tests/cli/everything.json" >"$tmp/echo.json" 2>&1
expect "libtirpc echoes every type" 0 "same" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
print("same" if a == b else "differ:\n%s\n%s" % (a, b))' "$src/tests/cli/everything.json" "$tmp/echo.json"
expect "libtirpc: two arguments" 0 "5" "${all[@]}" ALL_TYPES_PROG.ALL_TYPES_V1.ALL_ADD '[2, 3]'
expect "libtirpc: SYSTEM_ERR" 1 "onc call: ALL_TYPES_PROG.ALL_TYPES_V1.ALL_ADD at $tirpc: SYSTEM_ERR: remote system error" \
	"${all[@]}" ALL_TYPES_PROG.ALL_TYPES_V1.ALL_ADD '[-2147483648, 3]'
expect "libtirpc: a list" 0 "$(printf '[\n  {\n    "value": 11,\n    "tag": ""\n  },\n  {\n    "value": 2,\n    "tag": "end"\n  }\n]')" \
	"${all[@]}" ALL_TYPES_PROG.ALL_TYPES_V2.ALL_LIST '[[{"a": 1, "c": "RED", "big": 0}], "BLUE", 10]'

# ---- bad input: the message, status 2, and no call (nothing listens at the address)
nowhere=tcp://127.0.0.1:1
bad=("$onc" call "$calc_x" "$nowhere")
expect "JSON that does not parse" 2 "onc call: <argument>:2:7: invalid JSON: unexpected token near '}'" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_ADD $'{"a": 1,\n "b": }'
expect "JSON from stdin that does not parse" 2 "onc call: <stdin>:1:3: invalid JSON: invalid token near 'nul'" \
	sh -c "printf 'nul' | '$onc' call '$calc_x' $nowhere CALC_PROG.CALC_V1.CALC_ADD -"
expect "a wrong type" 2 "onc call: arguments of CALC_ADD: .b: expected an integer, got a string" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_ADD '{"a": 1, "b": "2"}'
expect "out of range" 2 "onc call: arguments of CALC_MULTIPLY: [1]: 2147483648 is out of range for int (-2147483648 to 2147483647)" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_MULTIPLY '[1, 2147483648]'
expect "too long" 2 "onc call: arguments of CALC_ECHO: .: 257 bytes > maximum 256" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_ECHO "\"$(printf '%0257d' 0)\""
expect "too many elements" 2 "onc call: arguments of CALC_SUM: .: 1025 elements > maximum 1024" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_SUM "[$(seq -s, 1025)]"
expect "a missing member" 2 "onc call: arguments of CALC_ADD: .b: missing" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_ADD '{"a": 1}'
expect "an unknown member" 2 "onc call: arguments of CALC_ADD: .: no member 'c'" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_ADD '{"a": 1, "b": 2, "c": 3}'
expect "no arguments" 2 "onc call: arguments of CALC_ADD: .: the procedure takes an argument" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_ADD
expect "an unknown procedure" 2 "onc call: no procedure 'CALC_AD' in CALC_PROG.CALC_V1; did you mean 'CALC_ADD'?" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_AD '{}'
expect "an unknown version" 2 "onc call: no version 'CALC_V2' in CALC_PROG; did you mean 'CALC_V1'?" \
	"${bad[@]}" CALC_PROG.CALC_V2.CALC_ADD '{}'
expect "an unknown program" 2 "onc call: no program 'CALC_PRGO'; did you mean 'CALC_PROG'?" \
	"${bad[@]}" CALC_PRGO.1.1 '{}'
expect "not a procedure name" 2 "onc call: 'CALC_PROG.CALC_V1' is not PROGRAM.VERSION.PROCEDURE (names or numbers)" \
	"${bad[@]}" CALC_PROG.CALC_V1 '{}'
expect "deep path" 2 "onc call: arguments of ALL_ECHO: .ar.fs[1].big: \"x\" is not a decimal integer (unsigned hyper)" \
	"$onc" call -DRPCGEN_SUBSET "$all_x" "$nowhere" ALL_TYPES_PROG.ALL_TYPES_V1.ALL_ECHO \
	"$(sed 's/"big": 4}/"big": "x"}/' "$src/tests/cli/everything.json")"
expect "a bad --auth-sys" 2 "onc call: --auth-sys: unknown key 'user' (uid, gid, gids, machine)" \
	"${bad[@]}" --auth-sys=user=1 CALC_PROG.CALC_V1.CALC_ADD '{"a": 1, "b": 2}'
expect "connection refused (a good call)" 1 "onc call: cannot reach program CALC_PROG version CALC_V1 at $nowhere: connection refused" \
	"${bad[@]}" CALC_PROG.CALC_V1.CALC_ADD '{"a": 1, "b": 2}'

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
