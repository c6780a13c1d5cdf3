#!/usr/bin/env bash
# `make demo`: the calc example end to end on this machine.
#   1. a portmapper: the host's, if one answers on port 111, else `onc rpcbind` on a free port;
#   2. the calc server (examples/calc/server.c), which registers with it;
#   3. the calc client (examples/calc/client.c), which finds the server through it and calls
#      every procedure, over TCP and then UDP; the Python client (examples/calc/client.py, on
#      the module `onc gen --lang python calc.x` writes) does the same; then `onc info` lists
#      the registrations;
#   4. everything started here is stopped again.
# Usage: examples/demo.sh BUILD_DIR (built already: make demo builds first)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
onc=$build/cli/onc
calc=$build/examples/calc
pids=()
tmp=$(mktemp -d)
cleanup() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# wait_line FILE PATTERN: until FILE has a line matching PATTERN (5 s at most)
wait_line() {
	for _ in $(seq 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "demo: gave up waiting for: $2" >&2
	cat "$1" >&2
	return 1
}

echo "== 1. a portmapper"
if "$onc" info -p 127.0.0.1 >/dev/null 2>&1; then
	port=111
	echo "using the portmapper already on 127.0.0.1 port 111"
else
	"$onc" rpcbind --port 0 >"$tmp/rpcbind.log" 2>&1 &
	pids+=($!)
	wait_line "$tmp/rpcbind.log" "serving on"
	port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$tmp/rpcbind.log")
	echo "started: onc rpcbind --port 0   (it picked port $port)"
fi

echo
echo "== 2. the calc server"
"$calc/calc_server" --rpcbind "$port" >"$tmp/server.log" 2>&1 &
server=$!
pids+=($server)
wait_line "$tmp/server.log" "serving on"
cat "$tmp/server.log"

echo
echo "== 3. the calc client, over TCP and then UDP"
for transport in tcp udp; do
	"$calc/calc_client" --rpcbind "$port" "$transport" 127.0.0.1
	echo
done
echo "== the Python client, over TCP and then UDP"
"$onc" gen --lang python -o "$tmp" "$root/examples/calc/calc.x"
for transport in tcp udp; do
	PYTHONPATH="$root/python:$tmp" python3 "$root/examples/calc/client.py" --rpcbind "$port" \
		"$transport" 127.0.0.1
	echo
done
echo "onc info --port $port -p 127.0.0.1:"
"$onc" info --port "$port" -p 127.0.0.1

echo
echo "== 4. stopping the server (SIGTERM: it finishes, unregisters and exits)"
kill -TERM "$server"
wait "$server"
cat "$tmp/server.log" | tail -n 1
if "$onc" info --port "$port" -p 127.0.0.1 | grep -q " 536873985 "; then
	echo "demo: the calc program is still registered" >&2
	exit 1
fi
echo "the calc program is no longer registered"
