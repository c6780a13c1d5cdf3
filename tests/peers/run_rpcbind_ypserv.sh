#!/usr/bin/env bash
# Debian's ypserv registers with onc rpcbind, and Debian's ypcat and yppoll, and onc's Python
# and C clients (stubs onc gen makes of the system's yp.x), find it through onc rpcbind and read
# a map made with makedbm. In private namespaces: network, mount (a private /run), pid (ypserv
# ends with the test) and UTS (the NIS domain name).
# Usage: run_rpcbind_ypserv.sh ONC_COMMAND YP_TESTC
set -u
. "$(dirname "$0")/netns.sh"
onc=$1
yp_testc=$2
here=$(cd "$(dirname "$0")" && pwd)
domainname onc.test

expect() { # expect NAME EXPECTED COMMAND...: the command prints EXPECTED
	local name=$1 want=$2 got
	shift 2
	got=$(timeout -k 1 20 "$@" 2>&1)
	[ "$got" == "$want" ] || fail "$name: expected <$want>, got <$got>"
}

mkdir -p "$tmp/yp/onc.test"
printf 'alpha one\nbeta two words\ngamma three\n' |
	/usr/lib/yp/makedbm - "$tmp/yp/onc.test/onc.byname" || fail "makedbm"

"$onc" rpcbind >"$tmp/rpcbind.log" 2>&1 &
rb=$!
for _ in $(seq 100); do
	[ -S /run/rpcbind.sock ] && break
	sleep 0.1
done
# -d: in the foreground, with the maps under $tmp/yp
/usr/sbin/ypserv -d "$tmp/yp" >"$tmp/ypserv.log" 2>&1 &
yp=$!
for _ in $(seq 100); do
	timeout -k 1 5 rpcinfo -s 2>/dev/null | grep -q ' ypserv ' && break
	sleep 0.1
done

expect "rpcinfo -s lists ypserv" \
	"    100004  1,2       tcp6,udp6,tcp,udp                ypserv      superuser" \
	sh -c "rpcinfo -s | grep ' ypserv '"
expect "ypcat -k through onc rpcbind" $'alpha one\nbeta two words\ngamma three' \
	sh -c "ypcat -k -d onc.test -h localhost onc.byname | sort"
expect "yppoll through onc rpcbind" "Domain onc.test is supported." \
	sh -c "/usr/sbin/yppoll -h localhost -d onc.test onc.byname | head -1"
"$onc" gen --lang python -o "$tmp" /usr/include/rpcsvc/yp.x || fail "onc gen yp.x"
want=
for addr in tcp://127.0.0.1 udp://127.0.0.1 'tcp://[::1]'; do
	want+="$addr domain True
$addr match beta YP_TRUE two words
$addr match nosuchkey YP_NOKEY 
"
done
expect "onc Python client: YPPROC_DOMAIN and YPPROC_MATCH through onc rpcbind" "${want%$'\n'}" \
	/usr/bin/python3 "$here/yp_client.py" "$here/../../python" "$tmp" onc.test onc.byname
expect "onc C client: YPPROC_DOMAIN and YPPROC_MATCH through onc rpcbind" "${want%$'\n'}" \
	"$yp_testc" onc.test onc.byname

kill "$yp" "$rb"
wait "$yp" "$rb"
[ "$failed" -eq 0 ] || tail -20 "$tmp/ypserv.log"
finish "ypserv registered with onc rpcbind; ypcat, yppoll and onc's Python and C clients read its map through it"
