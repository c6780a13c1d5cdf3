#!/usr/bin/env bash
# libtirpc as the peer, on loopback: the rpcgen/libtirpc client calls the onc server over
# TCP and UDP, and the onc client calls the rpcgen/libtirpc server over TCP and UDP.
# Usage: run_peers.sh DIR   (DIR holds onc_testd, onc_testc, tirpc_server, tirpc_client)
set -u
dir=$1
passed=0 failed=0
pids=()
tmp=$(mktemp -d)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# start_server EXE: runs it, reads its "tcp PORT udp PORT" line into TCP and UDP.
start_server() {
	local out=$tmp/$(basename "$1")
	TCP= UDP=
	"$1" >"$out" &
	pids+=($!)
	for _ in $(seq 100); do
		read -r _ TCP _ UDP <"$out" && [ -n "$UDP" ] && return
		sleep 0.1
	done
	echo "FAIL: $1 did not start"
	exit 1
}

expect() { # expect NAME EXPECTED_OUTPUT COMMAND...
	local name=$1 want=$2 got
	shift 2
	got=$(timeout 20 "$@" 2>&1)
	if [ "$got" == "$want" ]; then
		echo "ok: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name"; echo "--- expected"; echo "$want"; echo "--- got"; echo "$got"
		failed=$((failed + 1))
	fi
}

start_server "$dir/onc_testd"
want=$'null ok\nadd 42\necho hello from libtirpc'
expect "libtirpc client -> onc server (tcp)" "$want" "$dir/tirpc_client" tcp "$TCP"
expect "libtirpc client -> onc server (udp)" "$want" "$dir/tirpc_client" udp "$UDP"

start_server "$dir/tirpc_server"
want=$'null ok\nadd 42\necho hello from onc'
expect "onc client -> libtirpc server (tcp)" "$want" "$dir/onc_testc" "tcp://127.0.0.1:$TCP"
expect "onc client -> libtirpc server (udp)" "$want" "$dir/onc_testc" "udp://127.0.0.1:$UDP"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
