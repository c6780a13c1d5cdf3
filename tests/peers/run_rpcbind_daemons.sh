#!/usr/bin/env bash
# Debian's rpc.rstatd and rpc.rusersd register with onc rpcbind (through /run/rpcbind.sock, as
# they do with the system's), and Debian's rup, rusers and rpcinfo, and onc info, get their
# answers through it: the same as through rpcbind 1.2.6, started in turn in the same private
# namespaces (network, mount with a private /run holding a utmp of one made-up user, pid, so
# that the daemons, which fork and leave, end with the test).
# Usage: run_rpcbind_daemons.sh ONC_COMMAND
set -u
. "$(dirname "$0")/netns.sh"
onc=$1
export TZ=UTC

# One user logged in, whom rusersd reports and rstatd counts: a struct utmp (glibc, 64-bit:
# 384 bytes) of a USER_PROCESS written as is (utmpdump -r crashes now and then).
/usr/bin/python3 -c '
import struct, calendar
login = calendar.timegm((2026, 12, 1, 9, 30, 0))
rec = struct.pack("<hxxi32s4s32s256shhiii16s20x", 7, 4242, b"pts/9", b"ts/9", b"oncuser",
                  b"remote.example", 0, 0, 0, login, 0, bytes(16))
assert len(rec) == 384
open("/run/utmp", "wb").write(rec)
'

# port PROG: the UDP port PROG is registered on, as rpcinfo -p reads it
port() { timeout -k 1 5 rpcinfo -p 2>/dev/null | awk -v p="$1" '$1 == p && $3 == "udp" {print $4; exit}'; }

# registered PROG N: PROG is registered with N versions (rpcinfo -p)
registered() { [ "$(timeout -k 1 5 rpcinfo -p 2>/dev/null | grep -c "^ *$1 ")" -eq "$2" ]; }

# daemon_pid PORT NAME: the pid of the process with UDP PORT open, when it is NAME
daemon_pid() {
	ss -Hlunp "sport = :$1" | sed -n "s/.*((\"$2\",pid=\([0-9]*\),.*/\1/p" | head -1
}

# round NAME RPCBIND...: starts the rpcbind and the daemons, asks, stops them all; what was
# answered is in $tmp/NAME.*
round() {
	local name=$1 out=$tmp/$1
	shift
	"$@" >"$out.rpcbind.log" 2>&1 &
	local rb=$!
	for _ in $(seq 100); do
		[ -S /run/rpcbind.sock ] && ss -Hltn "sport = :111" | grep -q . && break
		sleep 0.1
	done
	# Each forks and leaves its child to register, one version after another (rstatd 5, 3,
	# 2, 1; rusersd 3, 2), and to serve; the parent's status says whether it could start.
	# rusersd starts once rstatd is registered, so that the table's order is always the same.
	timeout -k 1 10 /usr/sbin/rpc.rstatd </dev/null || fail "$name: rpc.rstatd exited $?"
	wait_for registered 100001 4
	timeout -k 1 10 /usr/sbin/rpc.rusersd </dev/null || fail "$name: rpc.rusersd exited $?"
	wait_for registered 100002 2
	local rstat rusers
	rstat=$(port 100001) rusers=$(port 100002)
	[ -n "$rstat" ] || fail "$name: rpc.rstatd did not register"
	[ -n "$rusers" ] || fail "$name: rpc.rusersd did not register"
	local pids=("$(daemon_pid "${rstat:-0}" rpc.rstatd)" "$(daemon_pid "${rusers:-0}" rpc.rusersd)")
	[ -n "${pids[0]}" ] || fail "$name: the port registered for rstatd is not rpc.rstatd's"
	[ -n "${pids[1]}" ] || fail "$name: the port registered for rusersd is not rpc.rusersd's"

	# The ports differ from round to round: the answers are compared without them.
	timeout -k 1 5 rpcinfo -p | sed "s/ ${rstat:-x} / RSTAT /; s/ ${rusers:-x} / RUSERS /" >"$out.rpcinfo-p"
	timeout -k 1 5 rpcinfo -s >"$out.rpcinfo-s"
	timeout -k 1 5 "$onc" info -p localhost |
		sed "s/ ${rstat:-x} / RSTAT /; s/ ${rusers:-x} / RUSERS /" >"$out.onc-info-p"
	timeout -k 1 5 "$onc" info -u localhost rstatd >"$out.onc-info-u-rstatd" 2>&1
	timeout -k 1 5 "$onc" info -u localhost rusersd >"$out.onc-info-u-rusersd" 2>&1
	timeout -k 1 10 rup localhost >"$out.rup" 2>&1
	timeout -k 1 10 rusers -l localhost >"$out.rusers-l" 2>&1
	timeout -k 1 10 rusers localhost >"$out.rusers" 2>&1

	for pid in "${pids[@]}"; do
		[ -n "$pid" ] && kill "$pid"
	done
	kill "$rb"
	wait "$rb"
}

round system rpcbind -f
round onc "$onc" rpcbind

# What rup and rusers must say, whichever rpcbind found the daemons.
rup_line='^localhost +[0-9:]+ +up .*, +1 user, +load [0-9.]+ [0-9.]+ [0-9.]+$'
rusers_l_line='^oncuser +localhost:pts/9 +Dec  1 09:30 .*\(remote\.example\)$'
for name in system onc; do
	grep -Eq "$rup_line" "$tmp/$name.rup" || fail "$name: rup localhost: $(cat "$tmp/$name.rup")"
	grep -Eq "$rusers_l_line" "$tmp/$name.rusers-l" ||
		fail "$name: rusers -l localhost: $(cat "$tmp/$name.rusers-l")"
	grep -Eq '^localhost +oncuser *$' "$tmp/$name.rusers" ||
		fail "$name: rusers localhost: $(cat "$tmp/$name.rusers")"
	for prog in rstatd rusersd; do
		grep -q "program 10000[12] version [1-5] ready and waiting" \
			"$tmp/$name.onc-info-u-$prog" ||
			fail "$name: onc info -u localhost $prog: $(cat "$tmp/$name.onc-info-u-$prog")"
	done
	grep -Eq '^ +100001 +5 +udp +RSTAT +rstatd$' "$tmp/$name.onc-info-p" ||
		fail "$name: onc info -p does not list rstatd v5"
done
# rpcbind lists its own registrations in another order (and on 0.0.0.0 and ::): the
# portmapper's lines are compared sorted, and its line of rpcinfo -s not at all.
for name in system onc; do
	for what in rpcinfo-p onc-info-p; do
		{ grep -v ' portmapper$' "$tmp/$name.$what"; grep ' portmapper$' "$tmp/$name.$what" | sort; } \
			>"$tmp/$name.$what.sorted"
	done
	grep -v '^ *100000 ' "$tmp/$name.rpcinfo-s" >"$tmp/$name.rpcinfo-s.daemons"
done
for what in rpcinfo-p.sorted rpcinfo-s.daemons onc-info-p.sorted onc-info-u-rstatd onc-info-u-rusersd; do
	diff "$tmp/system.$what" "$tmp/onc.$what" >"$tmp/diff" ||
		fail "$what answers differently through onc rpcbind (< rpcbind, > onc rpcbind): $(cat "$tmp/diff")"
done
grep -Eq '^ +100002 +2,3 +udp +rusersd +65534$' "$tmp/onc.rpcinfo-s" ||
	fail "rpcinfo -s: rusersd not owned by its uid: $(cat "$tmp/onc.rpcinfo-s")"

finish "rstatd and rusersd registered with onc rpcbind; rup, rusers -l, rpcinfo -p -s and onc info answered as through rpcbind"
