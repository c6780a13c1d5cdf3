#!/usr/bin/env bash
# nfs-ganesha (NFSv3, VFS FSAL, exporting a temporary directory) registers MOUNT and NFS with
# onc rpcbind; Debian's showmount and rpcinfo, and onc's Python and C clients (nfs3.x: MNT,
# EXPORT, GETATTR, LOOKUP, READ), find it through onc rpcbind: GETATTR equals stat(), READ
# returns the file's bytes (1 MiB and more in one READ over TCP). In private namespaces:
# network, mount (a private /run), pid (ganesha ends with the test).
# Usage: run_rpcbind_nfs.sh ONC_COMMAND NFS_TESTC
set -u
. "$(dirname "$0")/netns.sh"
onc=$1
nfs_testc=$2
here=$(cd "$(dirname "$0")" && pwd)

export=$tmp/export
mkdir -p "$export"
# 1 MiB and 1,000 bytes, none of them the same as its neighbours for long
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + i // 251) & 255 for i in range(1049576)))' \
	>"$export/data.bin"
cat >"$tmp/ganesha.conf" <<CONF
NFS_CORE_PARAM {
	Protocols = 3;
	Enable_NLM = false;
	Enable_RQUOTA = false;
}
NFSV4 { Graceless = true; }
EXPORT {
	Export_Id = 1;
	Path = $export;
	Pseudo = /export;
	Access_Type = RO;
	Squash = No_Root_Squash;
	Protocols = 3;
	Transports = TCP, UDP;
	SecType = sys;
	FSAL { Name = VFS; }
}
CONF

"$onc" rpcbind >"$tmp/rpcbind.log" 2>&1 &
rb=$!
wait_for test -S /run/rpcbind.sock || fail "onc rpcbind did not start"
mkdir -p /run/ganesha
ganesha.nfsd -F -L "$tmp/ganesha.log" -f "$tmp/ganesha.conf" -p /run/ganesha/pid &
nfsd=$!
wait_for sh -c "rpcinfo -s | grep -q ' mountd '" ||
	fail "ganesha did not register: $(grep -E 'CRIT|FATAL' "$tmp/ganesha.log" | tail -5)"

rpcinfo -s | grep -E ' (nfs|mountd) ' >"$tmp/registered"
cat >"$tmp/want" <<'LIST'
    100003  3         tcp6,tcp,udp6,udp                nfs         superuser
    100005  3,1       tcp6,tcp,udp6,udp                mountd      superuser
LIST
diff "$tmp/want" "$tmp/registered" >"$tmp/diff" ||
	fail "rpcinfo -s lists ganesha otherwise: $(cat "$tmp/diff")"
out=$(timeout -k 1 20 showmount -e localhost 2>&1)
[ "$out" = $'Export list for localhost:\n'"$export"' (everyone)' ] || fail "showmount -e: <$out>"
for t in tcp udp; do
	timeout -k 1 10 rpcinfo -T $t localhost 100003 3 | grep -q 'ready and waiting' ||
		fail "rpcinfo -T $t localhost nfs 3: no answer"
done
"$onc" gen --lang python -o "$tmp" "$here/nfs3.x" || fail "onc gen nfs3.x"
timeout -k 1 60 /usr/bin/python3 "$here/nfs_client.py" "$here/../../python" "$tmp" "$export" \
	data.bin >"$tmp/client.out" 2>&1 || fail "the onc Python client: $(cat "$tmp/client.out")"
# The C client gets stat(1)'s values of the export and the file to compare GETATTR's with.
attrs='mode=%a nlink=%h uid=%u gid=%g size=%s fileid=%i mtime=%.9Y'
timeout -k 1 60 "$nfs_testc" "$export" data.bin "$(stat -c "$attrs" "$export")" \
	"$(stat -c "$attrs" "$export/data.bin")" >"$tmp/c_client.out" 2>&1 ||
	fail "the onc C client: $(cat "$tmp/c_client.out")"

kill "$nfsd"
wait "$nfsd"
kill "$rb"
wait "$rb"
finish "ganesha registered with onc rpcbind; showmount, rpcinfo and onc's NFSv3 clients reached it:"
echo "  Python:"
sed 's/^/    /' "$tmp/client.out"
echo "  C:"
sed 's/^/    /' "$tmp/c_client.out"
