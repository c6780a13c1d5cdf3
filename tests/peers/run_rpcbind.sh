#!/usr/bin/env bash
# rpcbind as the peer, in a private network namespace (only its own loopback, so port 111 is
# free and nothing listens beyond this test):
#  1. the system rpcbind: the onc server registers with it, the system rpcinfo lists it, the
#     onc client finds it through it (TCP and UDP), and it is gone after the server stops;
#  2. onc rpcbind: the system rpcinfo lists and pings it, and the onc server and client use it.
# Usage: run_rpcbind.sh PEERS_DIR ONC_COMMAND
set -u
. "$(dirname "$0")/netns.sh"
peers=$1 onc=$2
pids=()

listening() { ss -ltn "sport = :$1" | grep -q LISTEN; }

start() { # start NAME COMMAND...: in the background, pid in $!
	"${@:2}" >"$tmp/$1.log" 2>&1 &
	pids+=($!)
}

listed() { rpcinfo -p 127.0.0.1 | grep -Eq "^ +536871203 +1 +$1 "; }
not_listed() { ! rpcinfo -p 127.0.0.1 | grep -q 536871203; }
calls_ok() { [ "$("$peers/onc_testc" "$1")" == $'null ok\nadd 42\necho hello from onc' ]; }
pings() { rpcinfo -T "$1" 127.0.0.1 100000 "$2" | grep -q "ready and waiting"; }

# round NAME: the onc server registers, is listed, is found, and unregisters on SIGTERM
round() {
	start testd "$peers/onc_testd" udp://127.0.0.1:111
	local testd=$!
	for _ in $(seq 50); do listed tcp && break; sleep 0.1; done
	check "$1: rpcinfo -p lists the onc server (tcp)" listed tcp
	check "$1: rpcinfo -p lists the onc server (udp)" listed udp
	check "$1: onc client finds the server through rpcbind (tcp)" calls_ok tcp://127.0.0.1
	check "$1: onc client finds the server through rpcbind (udp)" calls_ok udp://127.0.0.1
	kill -TERM "$testd"
	wait "$testd"
	check "$1: the registration is removed on stop" not_listed
}

if ! command -v rpcbind >/dev/null; then
	fail "the system rpcbind is not installed (scripts/deps.sh installs it)"
	finish
fi
start rpcbind rpcbind -f -w
check "system rpcbind is up" wait_for listening 111
round "system rpcbind"
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
pids=()

start onc-rpcbind "$onc" rpcbind --port 111
check "onc rpcbind is up" wait_for listening 111
check "rpcinfo -p 127.0.0.1 against onc rpcbind" sh -c 'rpcinfo -p 127.0.0.1 | grep -Eq "^ +100000 +4 +tcp +111 +portmapper"'
check "rpcinfo -T tcp 127.0.0.1 100000 4 against onc rpcbind" pings tcp 4
check "rpcinfo -T udp 127.0.0.1 100000 2 against onc rpcbind" pings udp 2
check "onc info -p against onc rpcbind" sh -c "'$onc' info -p 127.0.0.1 | grep -Eq '^ +100000 +2 +udp +111'"
round "onc rpcbind"

finish "$passed checks"
