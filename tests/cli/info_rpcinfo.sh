#!/usr/bin/env bash
# onc info beside the system rpcinfo, line for line: the same questions (the listing, -p, -s,
# -m, -l, -t, -u, -n, -T, -a, -d, -b) to the system rpcbind and then to `onc rpcbind`, with the
# calc server registered, and then to no rpcbind and to a host that does not resolve, must give
# the same standard output, the same exit status and the same messages (after the program's
# name). In private network and mount namespaces: port 111 and /run are the test's; -b
# broadcasts on a veth pair made here (10.9.0.1/24), and first with no interface to
# broadcast on.
# usage: info_rpcinfo.sh BUILD_DIR
set -u
. "$(dirname "$0")/../peers/netns.sh"
build=$1
onc=$build/cli/onc

# same ARGS...: rpcinfo ARGS and onc info ARGS answer alike; both outputs go through
# $filter first when it is set
filter=
same() {
	rpcinfo "$@" >"$tmp/r.out" 2>"$tmp/r.err"
	local rrc=$?
	"$onc" info "$@" >"$tmp/o.out" 2>"$tmp/o.err"
	local orc=$?
	compare $rrc $orc "$@"
}

compare() { # compare RPCINFO_STATUS ONC_STATUS ARGS...
	local rrc=$1 orc=$2
	shift 2
	sed -i 's/^rpcinfo: //' "$tmp/r.err"
	sed -i 's/^onc info: //' "$tmp/o.err"
	if [ -n "$filter" ]; then
		for f in r.out o.out r.err o.err; do
			sed -i "$filter" "$tmp/$f"
		done
	fi
	if [ $rrc == $orc ] && cmp -s "$tmp/r.out" "$tmp/o.out" && cmp -s "$tmp/r.err" "$tmp/o.err"; then
		echo "ok: $round: $*"
		passed=$((passed + 1))
	else
		fail "$round: $*"
		echo "--- rpcinfo (status $rrc)"; cat "$tmp/r.out" "$tmp/r.err"
		echo "--- onc info (status $orc)"; cat "$tmp/o.out" "$tmp/o.err"
	fi
}

started() { # started LOG: until the server logging to LOG says it serves
	wait_for grep -q "serving on" "$1" || { fail "no 'serving on' in $1"; cat "$1"; finish; }
}

# -m: GETSTAT counts itself before it answers, so the second to ask sees one GETSTAT more:
# that count is masked
stat_filter='/^VERADDR/{n;s/[0-9]*  *$/N/}'

# same_broadcast PROG VERS: rpcinfo -b and onc info -b at the same time (each listens 12 s),
# their answers sorted (they come in any order). libtirpc also multicasts on IPv6, which
# fails in the namespace with a warning; onc info broadcasts on IPv4 only: the warning is
# dropped.
same_broadcast() {
	rpcinfo -b "$@" >"$tmp/r.out" 2>"$tmp/r.err" &
	local r=$!
	"$onc" info -b "$@" >"$tmp/o.out" 2>"$tmp/o.err"
	local orc=$?
	wait $r
	local rrc=$?
	sort -o "$tmp/r.out" "$tmp/r.out"
	sort -o "$tmp/o.out" "$tmp/o.out"
	sed -i '/rpc_broadcast_exp: cannot send broadcast packet/d' "$tmp/r.err"
	compare $rrc $orc -b "$@"
}

# same_status ARGS...: a usage error; each prints its own usage, so only the status and
# the standard output (none) are compared
same_status() {
	rpcinfo "$@" >"$tmp/r.out" 2>/dev/null
	local rrc=$?
	"$onc" info "$@" >"$tmp/o.out" 2>"$tmp/o.err"
	local orc=$?
	: >"$tmp/r.err"
	: >"$tmp/o.err"
	compare $rrc $orc "$@"
}

# no rpcbind here, or HOST does not resolve: rpcinfo's failures
failures() {
	local h=$1
	same $h
	same -s $h
	same -m $h
	same -l ${h:-127.0.0.1} 100000 4
}

questions() {
	"$build/examples/calc/calc_server" >"$tmp/calc.log" 2>&1 &
	local calc=$!
	started "$tmp/calc.log"
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
	same
	same 127.0.0.1
	same -s
	same -s 127.0.0.1
	same -T udp 127.0.0.1
	same -s -T udp 127.0.0.1
	same -T udp6 ::1
	same -T tcp
	same -l 127.0.0.1 100000 4
	same -l 127.0.0.1 $p 1
	same -l 127.0.0.1 $p 9
	filter=$stat_filter
	same -m
	same -m 127.0.0.1
	filter=
	# what this rpcbind says of the lookups so far and of its own addresses, for the two
	# rpcbinds to be compared at the end
	"$onc" info -m 127.0.0.1 | sed -n '/^RPCB_GETADDR (version 4)/,$p' >"$tmp/lookups.$rpcb"
	"$onc" info -l 127.0.0.1 100000 4 >"$tmp/addrlist.$rpcb"
	same_broadcast $p 1
	# the system rpcbind forwards the calls (GETSTAT counts them) but no answer of its goes
	# out here (none in a capture); onc rpcbind's must come back, to both
	if [ "$round" = "onc rpcbind" ] && ! grep -q "^10\.9\.0\.1\." "$tmp/o.out"; then
		fail "$round: no answer to the broadcast"
	fi
	same_broadcast 100000 2
	filter=$stat_filter
	same -m # with the forwarded calls of the broadcasts
	filter=
	"$onc" info -m | sed -n '/RMTCALL/,/^$/p' >"$tmp/forwards.$rpcb"
	# each removes one transport, then the other's removal is seen by both
	rpcinfo -d -T udp $p 1
	same -p 127.0.0.1
	"$onc" info -d -T tcp $p 1
	same -p 127.0.0.1
	kill $calc
	wait $calc 2>/dev/null
}

round="no rpcbind"
same_broadcast 100000 2 # no interface to broadcast on
failures ""
failures 127.0.0.1
round="bad arguments"
same -T foo 127.0.0.1
same -T tcp6 127.0.0.1
same -l 127.0.0.1 nosuchname 1
same -t 127.0.0.1 nosuchname
same -l 127.0.0.1 100000 x
same -b 100000 x
same -u 127.0.0.1 100000 1x
same_status -l 127.0.0.1 100000
same_status -l 127.0.0.1 100000 4 5
same_status -b 100000
same_status -s -m
same_status -s 127.0.0.1 extra
same_status -x
round="unknown host"
failures nosuchhost.invalid
ip link add v0 type veth peer name v1 && ip addr add 10.9.0.1/24 dev v0 &&
	ip link set v1 up && ip link set v0 up || { fail "no veth pair"; finish; }

round="system rpcbind"
rpcb=system
rpcbind -f -w >"$tmp/rpcbind.log" 2>&1 &
rpcbind=$!
wait_for sh -c 'ss -ltn "sport = :111" | grep -q LISTEN' || fail "rpcbind did not start"
questions
kill $rpcbind
wait $rpcbind 2>/dev/null

round="onc rpcbind"
rpcb=onc
# on every IPv4 address, for the broadcasts, and forwarding them as rpcbind does
"$onc" rpcbind --host 0.0.0.0 --host ::1 --callit >"$tmp/onc-rpcbind.log" 2>&1 &
started "$tmp/onc-rpcbind.log"
questions

# onc rpcbind answers GETSTAT and GETADDRLIST as rpcbind 1.2.6 does, asked the same
round="both rpcbinds"
for f in lookups addrlist forwards; do
	[ -s "$tmp/$f.system" ] || fail "$round: no $f from the system rpcbind"
	check "$round: $f" diff "$tmp/$f.system" "$tmp/$f.onc"
done
finish "$passed answers alike"
