"""An onc Python client of an NFSv3 server (stubs onc gen makes of nfs3.x): finds MOUNT and
NFS through the rpcbind on this host (no port given), mounts EXPORT, and checks that
GETATTR of the export and of FILE in it equals os.stat() of them, and that READ returns the
file's bytes, in one READ of all of them when they fit (1 MiB and more: one record over
1 MiB) and in 32 KiB pieces over UDP. Prints one line per check; exits 1 when one fails.
Usage: nfs_client.py PYTHON_RUNTIME_DIR GENERATED_DIR EXPORT FILE"""
import os
import sys

sys.path[:0] = [sys.argv[1], sys.argv[2]]
import nfs3  # noqa: E402
from onc.rpc import AuthSys  # noqa: E402

export, name = sys.argv[3], sys.argv[4]
path = os.path.join(export, name)
failed = 0


def check(what, ok, detail=""):
    global failed
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok else f": {detail}"))
    failed += not ok


def same_as_stat(what, a, st):
    """fattr3 against os.stat: every field the server takes from the file system."""
    want = dict(mode=st.st_mode & 0o7777, nlink=st.st_nlink, uid=st.st_uid, gid=st.st_gid,
                size=st.st_size, fileid=st.st_ino,
                mtime=(st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9))
    got = dict(mode=a.mode, nlink=a.nlink, uid=a.uid, gid=a.gid, size=a.size,
               fileid=a.fileid, mtime=(a.mtime.seconds, a.mtime.nseconds))
    check(f"GETATTR {what} equals stat()", got == want, f"{got} != {want}")


auth = AuthSys.local()
mount = nfs3.MountClient("tcp://127.0.0.1", auth=auth, timeout=10)
dirs = [e.ex_dir for e in mount.export()]  # a linked list of the .x: a Python list
check("EXPORT lists the export", dirs == [export], dirs)
r = mount.mnt(export)
check("MNT", r.fhs_status == nfs3.MNT3_OK, r)
root = nfs3.nfs_fh3(r.mountinfo.fhandle)

for transport in ("tcp://127.0.0.1", "udp://127.0.0.1", "tcp://[::1]"):
    nfs = nfs3.NfsClient(transport, auth=auth, timeout=10)
    g = nfs.getattr(root)
    check(f"GETATTR of the export over {transport}", g.status == nfs3.NFS3_OK, g)
    same_as_stat(f"of the export over {transport}", g.resok.obj_attributes, os.stat(export))
    look = nfs.lookup(nfs3.diropargs3(root, name))
    check(f"LOOKUP {name} over {transport}", look.status == nfs3.NFS3_OK, look)
    fh = look.resok.object
    same_as_stat(f"of {name} over {transport}", nfs.getattr(fh).resok.obj_attributes,
                 os.stat(path))
    want = open(path, "rb").read()
    # A UDP reply is one datagram: 32 KiB of data fits, 64 KiB and its headers do not.
    piece = len(want) if transport.startswith("tcp") else 32768
    got, largest, reads = b"", 0, 0
    while True:
        rd = nfs.read(fh, len(got), piece)
        reads += 1
        if rd.status != nfs3.NFS3_OK:
            check(f"READ at {len(got)} over {transport}", False, rd.status)
            break
        got += rd.resok.data
        largest = max(largest, len(rd.resok.data))
        if rd.resok.eof or not rd.resok.data:
            break
    check(f"{reads} READs of up to {largest} bytes return the file's {len(want)} over "
          f"{transport}", got == want,
          f"{len(got)} bytes, first difference at "
          f"{next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))}")
    if transport.startswith("tcp"):
        # ganesha's largest READ (MaxRead) is 1 MiB: its reply is a record over 1 MiB.
        check(f"a READ reply of 1 MiB of data over {transport}", largest >= 1 << 20, largest)
    nfs.close()
mount.close()
sys.exit(1 if failed else 0)
