#!/usr/bin/env bash
# onc call against a real daemon: the system rpcbind, in private network and mount namespaces
# (its own loopback, port 111 free, and its own /run for its socket and lock files, so that it
# runs beside the peers_rpcbind test), through libtirpc's rpcb_prot.x. The calc server registers with it;
# DUMP, GETADDR and GETTIME are called and their JSON checked, `onc call` finds the calc server
# through it, and `onc call --list` shows what `rpcinfo -p` shows.
# usage: call_rpcbind.sh BUILD_DIR SOURCE_DIR
set -u
. "$(dirname "$0")/../peers/netns.sh"
build=$1
src=$2
onc=$build/cli/onc
rpcb_x=/usr/include/tirpc/rpc/rpcb_prot.x
calc_x=$src/examples/calc/calc.x

rpcbind -f -w >"$tmp/rpcbind.log" 2>&1 &
wait_for sh -c 'ss -ltn "sport = :111" | grep -q LISTEN' || fail "rpcbind did not start"
"$build/examples/calc/calc_server" >"$tmp/calc.log" 2>&1 &
wait_for grep -q "serving on" "$tmp/calc.log" || fail "calc_server did not start"
calc_tcp=$(sed -n 's/.*tcp port \([0-9]*\),.*/\1/p' "$tmp/calc.log")
calc_udp=$(sed -n 's/.*udp port \([0-9]*\);.*/\1/p' "$tmp/calc.log")
rpcb=("$onc" call "$rpcb_x" tcp://127.0.0.1:111)

"${rpcb[@]}" RPCBPROG.RPCBVERS4.RPCBPROC_DUMP >"$tmp/dump.json" 2>&1
check "DUMP lists the calc server and rpcbind itself" python3 -c '
import json, sys
entries = [e["rpcb_map"] for e in json.load(open(sys.argv[1]))]
tcp, udp = int(sys.argv[2]), int(sys.argv[3])
def has(prog, vers, netid, port, host="127.0.0.1"):
    addr = "%s.%d.%d" % (host, port >> 8, port & 255)
    return any(e["r_prog"] == prog and e["r_vers"] == vers and e["r_netid"] == netid and
               e["r_addr"] == addr for e in entries)
assert has(536873985, 1, "tcp", tcp) and has(536873985, 1, "udp", udp), entries
assert has(100000, 4, "tcp", 111, "0.0.0.0") and has(100000, 2, "udp", 111, "0.0.0.0"), entries
' "$tmp/dump.json" "$calc_tcp" "$calc_udp"
check "GETADDR gives the calc server's address" test "$("${rpcb[@]}" RPCBPROG.4.RPCBPROC_GETADDR \
	'{"r_prog": 536873985, "r_vers": 1, "r_netid": "tcp", "r_addr": "", "r_owner": ""}')" == \
	"\"127.0.0.1.$((calc_tcp >> 8)).$((calc_tcp & 255))\""
check "GETTIME is now" python3 -c 'import sys, time; assert abs(int(sys.argv[1]) - time.time()) < 60' \
	"$("${rpcb[@]}" RPCBPROG.RPCBVERS.RPCBPROC_GETTIME)"
check "a call through the system rpcbind (port 111)" test "$("$onc" call "$calc_x" udp://127.0.0.1 \
	CALC_PROG.CALC_V1.CALC_ADD '{"a": 40, "b": 2}')" == 42
"$onc" call --list 127.0.0.1 "$calc_x" | grep -v '^	' | sed 's/ ([^)]*)//g' >"$tmp/list"
rpcinfo -p 127.0.0.1 | awk 'NR > 1 {print $1, $2, $3, $4}' | sort -n -k1 -k2 | awk '
	{ key = $1 " " $2; if (key != last) { if (last != "") print line; line = "program " $1 " version " $2 ": " $3 " " $4 }
	  else line = line ", " $3 " " $4; last = key } END { print line }' >"$tmp/rpcinfo"
check "--list shows what rpcinfo -p shows" diff "$tmp/rpcinfo" "$tmp/list"

finish "$passed checks"
