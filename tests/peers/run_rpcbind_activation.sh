#!/usr/bin/env bash
# onc rpcbind started by systemd socket activation (LISTEN_PID, LISTEN_FDS):
#  1. by systemd-socket-activate (systemd's own tool) on the Unix socket and TCP on
#     127.0.0.1 and [::1]: it serves those and lists them, and rpc.rstatd registers through it;
#  2. by socket_activate.py, the sockets of Debian's rpcbind.socket (Unix, TCP and UDP on
#     0.0.0.0 and [::]) with NOTIFY_SOCKET: it lists the same sockets as rpcbind 1.2.6 started
#     the same way, tells systemd READY=1, and rpc.rstatd and rpc.rusersd register and are
#     found by rup and rusers through it;
#  3. wrong variables are named, variables for another pid ignored, and --host with passed
#     sockets refused.
# In private namespaces: network, mount (a private /run), pid.
# Usage: run_rpcbind_activation.sh ONC_COMMAND
set -u
. "$(dirname "$0")/netns.sh"
onc=$1
here=$(cd "$(dirname "$0")" && pwd)

# The portmapper's own registrations, as rpcinfo lists them (v4 DUMP), sorted.
own() { timeout -k 1 5 rpcinfo 2>&1 | grep ' portmapper ' | sort; }

# 1. systemd-socket-activate: stream sockets only; onc rpcbind starts at the first connection.
systemd-socket-activate -l /run/rpcbind.sock -l 127.0.0.1:111 -l '[::1]:111' \
	"$onc" rpcbind >"$tmp/ssa.out" 2>&1 &
ssa=$!
wait_for test -S /run/rpcbind.sock || fail "systemd-socket-activate did not listen"
own >"$tmp/ssa.own"
cat >"$tmp/ssa.want" <<'LIST'
    100000    3    local     /run/rpcbind.sock      portmapper superuser
    100000    3    tcp       127.0.0.1.0.111        portmapper superuser
    100000    3    tcp6      ::1.0.111              portmapper superuser
    100000    4    local     /run/rpcbind.sock      portmapper superuser
    100000    4    tcp       127.0.0.1.0.111        portmapper superuser
    100000    4    tcp6      ::1.0.111              portmapper superuser
    100000    2    tcp       127.0.0.1.0.111        portmapper superuser
LIST
sort "$tmp/ssa.want" | diff - "$tmp/ssa.own" >"$tmp/diff" ||
	fail "systemd-socket-activate: onc rpcbind lists otherwise: $(cat "$tmp/diff" "$tmp/ssa.out")"
timeout -k 1 5 rpcinfo -T tcp6 ::1 100000 4 | grep -q 'ready and waiting' ||
	fail "systemd-socket-activate: no answer over tcp6"
timeout -k 1 10 /usr/sbin/rpc.rstatd </dev/null || fail "rpc.rstatd exited $?"
wait_for sh -c "rpcinfo -s | grep -q ' rstatd '" ||
	fail "systemd-socket-activate: rstatd did not register: $(rpcinfo -s 2>&1)"
grep -q "^onc rpcbind: serving on the 3 sockets systemd passed$" "$tmp/ssa.out" ||
	fail "systemd-socket-activate: onc rpcbind said: $(cat "$tmp/ssa.out")"
kill "$ssa"
wait "$ssa"
wait_for sh -c "! ss -Hltn 'sport = :111' | grep -q ." || fail "port 111 still in use"
rstatd=$(ss -Hlunp | sed -n 's/.*(("rpc.rstatd",pid=\([0-9]*\),.*/\1/p' | head -1)
[ -n "$rstatd" ] && kill "$rstatd"

# 2. rpcbind.socket's sockets, to rpcbind 1.2.6 and to onc rpcbind in turn
round() { # round NAME RPCBIND...
	/usr/bin/python3 "$here/socket_activate.py" "$tmp/$1.notify" "${@:2}" >"$tmp/$1.log" 2>&1 &
	local rb=$!
	wait_for test -s "$tmp/$1.notify" || fail "$1: no notification: $(cat "$tmp/$1.log")"
	own >"$tmp/$1.own"
	if [ "$1" = onc ]; then
		[ "$(cat "$tmp/$1.notify")" = "READY=1" ] ||
			fail "onc: notified <$(cat "$tmp/$1.notify")>, not READY=1"
		timeout -k 1 10 /usr/sbin/rpc.rstatd </dev/null || fail "rpc.rstatd exited $?"
		timeout -k 1 10 /usr/sbin/rpc.rusersd </dev/null || fail "rpc.rusersd exited $?"
		wait_for sh -c "rpcinfo -s | grep -q ' rusersd '" || fail "onc: rusersd did not register"
		wait_for sh -c "rpcinfo -s | grep -q ' rstatd '" || fail "onc: rstatd did not register"
		timeout -k 1 10 rup localhost | grep -Eq '^localhost +.* up ' ||
			fail "onc: rup localhost: $(timeout 10 rup localhost 2>&1)"
		timeout -k 1 10 rusers -a localhost | grep -q '^localhost' ||
			fail "onc: rusers -a localhost: $(timeout 10 rusers -a localhost 2>&1)"
		local netid host
		for t in "udp 127.0.0.1" "tcp 127.0.0.1" "udp6 ::1" "tcp6 ::1"; do
			read -r netid host <<<"$t"
			timeout -k 1 5 rpcinfo -T "$netid" "$host" 100000 4 | grep -q 'ready and waiting' ||
				fail "onc: no answer over $netid"
		done
	fi
	kill "$rb"
	wait "$rb"
}
round system rpcbind -f
round onc "$onc" rpcbind
diff "$tmp/system.own" "$tmp/onc.own" >"$tmp/diff" ||
	fail "onc rpcbind lists rpcbind.socket's sockets otherwise than rpcbind (<): $(cat "$tmp/diff")"
grep -q 'udp6 *::.0.111 ' "$tmp/onc.own" || fail "onc: udp6 not listed: $(cat "$tmp/onc.own")"

# 3. Bad variables and options
out=$(LISTEN_PID=$$ LISTEN_FDS=x timeout -k 1 5 bash -c 'LISTEN_PID=$$ exec "$0" rpcbind' "$onc" 2>&1)
[ $? -eq 1 ] && [ "$out" = "onc: LISTEN_FDS is not a number of descriptors: x" ] ||
	fail "LISTEN_FDS=x: <$out>"
out=$(timeout -k 1 5 bash -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" rpcbind --host 127.0.0.1 3<"$0"' "$onc" 2>&1)
[ $? -eq 2 ] && [[ "$out" == *"--host, --port and --unix do not go with the sockets systemd passed"* ]] ||
	fail "--host with LISTEN_FDS: <$out>"
# Variables meant for another process are not for it: it listens as told.
out=$(LISTEN_PID=1 LISTEN_FDS=1 timeout -k 1 2 "$onc" rpcbind --host 127.0.0.1 --port 0 2>&1)
[[ "$out" == "onc rpcbind: serving on 127.0.0.1 port "*" (tcp and udp)" ]] ||
	fail "LISTEN_PID of another process: <$out>"
out=$(timeout -k 1 5 bash -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" rpcbind 3<"$0"' "$onc" 2>&1)
[ $? -eq 1 ] && [[ "$out" == "onc rpcbind: cannot serve on descriptor 3 from systemd: bad or unresolvable address: Socket operation on non-socket" ]] ||
	fail "a file as descriptor 3: <$out>"

finish "onc rpcbind serves the sockets systemd passes, as rpcbind does, and says READY=1"
