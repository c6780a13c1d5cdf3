#!/usr/bin/env bash
# onc rpcbind --warm-start: the registrations of Debian's rpc.rstatd and rpc.rusersd survive a
# restart of onc rpcbind, and a switch to rpcbind -w and back (the same files), without the
# daemons registering again: rup and rusers still find them. A truncated or foreign file is
# named with why, kept as rpcbind.xdr.corrupt, and onc rpcbind starts with no registrations.
# In private namespaces: network, mount (a private /run), pid (the daemons end with the test).
# Usage: run_rpcbind_warmstart.sh ONC_COMMAND
set -u
. "$(dirname "$0")/netns.sh"
onc=$1
dir=/run/rpcbind
rb=

start() { # start LOG RPCBIND...: until it listens
	"${@:2}" >"$tmp/$1.out" 2>"$tmp/$1.err" &
	rb=$!
	for _ in $(seq 100); do
		[ -S /run/rpcbind.sock ] && ss -Hltn "sport = :111" | grep -q . && return
		sleep 0.1
	done
	fail "$1: $2 did not start: $(cat "$tmp/$1.err")"
}

stop() {
	kill "$rb"
	wait "$rb" || fail "rpcbind $rb exited $?"
	[ ! -e /run/rpcbind.sock ] || rm -f /run/rpcbind.sock
}

# The registrations as rpcinfo lists them (v4 DUMP), the portmapper's own left out: they are
# each rpcbind's listeners.
daemons() { timeout -k 1 5 rpcinfo 2>&1 | grep -v ' portmapper '; }

found() { # found WHAT: rup and rusers get their answers from the daemons
	timeout -k 1 10 rup localhost | grep -Eq '^localhost +.* up ' ||
		fail "$1: rup localhost: $(timeout 10 rup localhost 2>&1)"
	timeout -k 1 10 rusers -a localhost | grep -q '^localhost' ||
		fail "$1: rusers -a localhost: $(timeout 10 rusers -a localhost 2>&1)"
}

# /run/rpcbind as Debian's tmpfiles.d/rpcbind.conf makes it: rpcbind reads and writes there
# as _rpc.
install -d -m 0755 -o _rpc -g root "$dir"

# 1. onc rpcbind, cold: the daemons register
start cold "$onc" rpcbind --warm-start "$dir"
[ -s "$tmp/cold.err" ] && fail "a cold start says something: $(cat "$tmp/cold.err")"
timeout -k 1 10 /usr/sbin/rpc.rstatd </dev/null || fail "rpc.rstatd exited $?"
timeout -k 1 10 /usr/sbin/rpc.rusersd </dev/null || fail "rpc.rusersd exited $?"
for _ in $(seq 50); do
	[ "$(daemons | grep -c 'rstatd\|rusersd')" -eq 6 ] && break
	sleep 0.1
done
daemons >"$tmp/registered"
grep -q ' rstatd  *superuser$' "$tmp/registered" && grep -q ' rusersd  *65534$' "$tmp/registered" ||
	fail "the daemons did not register: $(cat "$tmp/registered")"
found "cold"
stop
[ "$(stat -c '%a %U' "$dir/rpcbind.xdr" "$dir/portmap.xdr" 2>&1 | sort -u)" == "600 _rpc" ] ||
	fail "not saved as rpcbind.xdr and portmap.xdr, mode 600, owner _rpc: $(ls -la "$dir")"
[ -e "$dir/.rpcbind.xdr.tmp" ] && fail "a temporary file is left"
cp "$dir/rpcbind.xdr" "$tmp/saved.xdr"

# 2. onc rpcbind again: the same table, without the daemons registering again
start warm "$onc" rpcbind --warm-start "$dir"
grep -q "^onc rpcbind: restored 6 registrations from $dir/rpcbind.xdr (0 refused)$" \
	"$tmp/warm.out" || fail "onc rpcbind said: $(cat "$tmp/warm.out" "$tmp/warm.err")"
daemons | diff "$tmp/registered" - >"$tmp/diff" || fail "restored otherwise: $(cat "$tmp/diff")"
[ -e "$dir/rpcbind.xdr" ] && fail "rpcbind.xdr is left after it was read"
found "onc after onc"
stop

# 3. rpcbind -w restores what onc rpcbind saved, and saves it for onc rpcbind again
start system rpcbind -w -f
daemons | diff "$tmp/registered" - >"$tmp/diff" ||
	fail "rpcbind -w restored otherwise: $(cat "$tmp/diff")"
found "rpcbind -w after onc"
stop
start onc-after-system "$onc" rpcbind --warm-start "$dir"
daemons | diff "$tmp/registered" - >"$tmp/diff" ||
	fail "onc rpcbind restored rpcbind's otherwise: $(cat "$tmp/diff")"
found "onc after rpcbind -w"
stop

# 4. Files that are not a table: each is named with why, kept, and nothing is restored.
corrupt() { # corrupt NAME WHY: $dir/rpcbind.xdr as made ready by the caller
	cp "$dir/rpcbind.xdr" "$tmp/$1.bytes"
	start "$1" "$onc" rpcbind --warm-start "$dir"
	grep -q "^onc rpcbind: cannot restore $dir/rpcbind.xdr ($2): starting with no registrations; the file is kept as rpcbind.xdr.corrupt$" \
		"$tmp/$1.err" || fail "$1: onc rpcbind said <$(cat "$tmp/$1.err")>"
	[ -z "$(daemons | grep -v '^ *program ')" ] || fail "$1: registrations restored: $(daemons)"
	cmp -s "$tmp/$1.bytes" "$dir/rpcbind.xdr.corrupt" || fail "$1: the file was not kept"
	rm -f "$dir/rpcbind.xdr.corrupt"
	stop
}
head -c -3 "$tmp/saved.xdr" >"$dir/rpcbind.xdr"
corrupt truncated "message truncated"
{ cat "$tmp/saved.xdr"; printf 'more'; } >"$dir/rpcbind.xdr"
corrupt trailing "unexpected bytes after the message"
head -c 4000 /dev/urandom >"$dir/rpcbind.xdr"
printf '\0\0\0\1' | dd of="$dir/rpcbind.xdr" conv=notrunc status=none
corrupt garbage "[a-z ]*"
cp "$tmp/saved.xdr" "$dir/rpcbind.xdr"
chmod 666 "$dir/rpcbind.xdr"
corrupt writable "group or others may write it"

finish "registrations survive onc rpcbind and rpcbind -w restarts both ways; bad files are refused and kept"
