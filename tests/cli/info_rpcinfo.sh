#!/usr/bin/env bash
# onc info beside the system rpcinfo, line for line: the same questions (-p, -t, -u, -n, -T,
# -a, -d) to the system rpcbind and then to `onc rpcbind`, with the calc server registered,
# must give the same standard output, the same exit status and the same messages (after the
# program's name). In private network and mount namespaces: port 111 and /run are the test's.
# usage: info_rpcinfo.sh BUILD_DIR
set -u
if [ -z "${ONC_IN_NETNS:-}" ]; then
	ONC_IN_NETNS=1 exec unshare --net --mount "$0" "$@"
fi
ip link set lo up
mount --make-rprivate / && mount -t tmpfs tmpfs /run || exit 1
build=$1
onc=$build/cli/onc
passed=0 failed=0
pids=()
tmp=$(mktemp -d)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# same ARGS...: rpcinfo ARGS and onc info ARGS answer alike
same() {
	rpcinfo "$@" >"$tmp/r.out" 2>"$tmp/r.err"
	local rrc=$?
	"$onc" info "$@" >"$tmp/o.out" 2>"$tmp/o.err"
	local orc=$?
	sed -i 's/^rpcinfo: //' "$tmp/r.err"
	sed -i 's/^onc info: //' "$tmp/o.err"
	if [ $rrc == $orc ] && cmp -s "$tmp/r.out" "$tmp/o.out" && cmp -s "$tmp/r.err" "$tmp/o.err"; then
		echo "ok: $round: $*"
		passed=$((passed + 1))
	else
		echo "FAIL: $round: $*"
		echo "--- rpcinfo (status $rrc)"; cat "$tmp/r.out" "$tmp/r.err"
		echo "--- onc info (status $orc)"; cat "$tmp/o.out" "$tmp/o.err"
		failed=$((failed + 1))
	fi
}

wait_for() { # wait_for FILE PATTERN
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "FAIL: no '$2' in $1"; cat "$1"
	exit 1
}

questions() {
	"$build/examples/calc/calc_server" >"$tmp/calc.log" 2>&1 &
	local calc=$!
	wait_for "$tmp/calc.log" "serving on"
	local t u p=536873985
	t=$(sed -n 's/.*tcp port \([0-9]*\),.*/\1/p' "$tmp/calc.log")
	u=$(sed -n 's/.*udp port \([0-9]*\);.*/\1/p' "$tmp/calc.log")
	same -p 127.0.0.1
	same -t 127.0.0.1 $p
	same -u 127.0.0.1 $p 1
	same -t 127.0.0.1 $p 2
	same -n "$t" -t 127.0.0.1 $p
	same -n "$u" -u 127.0.0.1 $p 1
	same -n "$t" -t 127.0.0.1 $p 3
	same -T tcp 127.0.0.1 $p
	same -T udp 127.0.0.1 $p 1
	same -T tcp 127.0.0.1 $p 2
	same -T udp 127.0.0.1 536873986
	same -a "127.0.0.1.$((t >> 8)).$((t & 255))" -T tcp $p
	same -a "127.0.0.1.$((u >> 8)).$((u & 255))" -T udp $p 1
	same -t 127.0.0.1 100000 4
	# each removes one transport, then the other's removal is seen by both
	rpcinfo -d -T udp $p 1
	same -p 127.0.0.1
	"$onc" info -d -T tcp $p 1
	same -p 127.0.0.1
	kill $calc
	wait $calc 2>/dev/null
}

round="system rpcbind"
rpcbind -f -w >"$tmp/rpcbind.log" 2>&1 &
rpcbind=$!
pids+=($rpcbind)
for _ in $(seq 100); do
	ss -ltn "sport = :111" | grep -q LISTEN && break
	sleep 0.1
done
questions
kill $rpcbind
wait $rpcbind 2>/dev/null

round="onc rpcbind"
"$onc" rpcbind >"$tmp/onc-rpcbind.log" 2>&1 &
pids+=($!)
wait_for "$tmp/onc-rpcbind.log" "serving on"
questions

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
