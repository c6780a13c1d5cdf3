#!/usr/bin/env bash
# onc rpcbind answers as the system's rpcbind (1.2.6) does: the same questions
# (rpcbind_answers.py) to each, started in turn in a private network namespace with a private
# /run, and the answers compared line by line.
# Usage: run_rpcbind_answers.sh ONC_COMMAND
set -u
. "$(dirname "$0")/netns.sh"
onc=$1
here=$(cd "$(dirname "$0")" && pwd)

ask() { # ask NAME COMMAND...: starts the rpcbind, asks, stops it
	"${@:2}" >"$tmp/$1.log" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do
		ss -ltn "sport = :111" | grep -q LISTEN && [ -S /run/rpcbind.sock ] && break
		sleep 0.1
	done
	/usr/bin/python3 "$here/rpcbind_answers.py" "$here/../../python" >"$tmp/$1"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

ask system rpcbind -f
ask onc "$onc" rpcbind
diff "$tmp/system" "$tmp/onc" || fail "onc rpcbind answers differently (< rpcbind, > onc rpcbind)"
finish "$(wc -l <"$tmp/onc") answers, the same from onc rpcbind as from rpcbind"
