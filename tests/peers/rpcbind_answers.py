"""Asks the rpcbind on this host's port 111 (and /run/rpcbind.sock) the questions where onc
and rpcbind 1.2.6 answered differently: repeated SETs, GETPORT of an unregistered version,
UNSET of what is not registered,
GETADDR and GETVERSADDR for every netid over every transport. Prints one line each, for
run_rpcbind_answers.sh to compare. Usage: rpcbind_answers.py PYTHON_RUNTIME_DIR"""
import sys

sys.path.insert(0, sys.argv[1])
from onc import rpcbind as rb  # noqa: E402
from onc.rpcb_prot import RPCBPROC_GETVERSADDR, RPCBPROG, RPCBVERS4, rpcb, unpack_rpcb_uaddr  # noqa: E402
from onc.transport import Channel  # noqa: E402

P = 0x20000999
def q(name, f):
    try:
        print(f"{name}: {f()!r}")
    except Exception as e:
        print(f"{name}: {type(e).__name__}")

u = "udp://127.0.0.1:111"; t = "tcp://127.0.0.1:111"; u6 = "udp://[::1]:111"
q("v2 SET", lambda: rb.pmap_set(u, P, 1, 17, 4000))
q("v2 SET again, same port", lambda: rb.pmap_set(u, P, 1, 17, 4000))
q("v2 SET again, other port", lambda: rb.pmap_set(u, P, 1, 17, 4001))
q("v2 GETPORT registered", lambda: rb.pmap_getport(u, P, 1, 17))
q("v2 GETPORT other version", lambda: rb.pmap_getport(u, P, 7, 17))
q("v2 GETPORT other prot", lambda: rb.pmap_getport(u, P, 1, 6))
q("v3 SET tcp6", lambda: rb.rpcb_set(u, P, 2, "tcp6", "::1.15.162"))
q("v3 SET tcp6 again", lambda: rb.rpcb_set(u, P, 2, "tcp6", "::1.15.162"))
q("v3 SET tcp6 again, other addr", lambda: rb.rpcb_set(u, P, 2, "tcp6", "::1.15.163"))
q("v3 SET udp", lambda: rb.rpcb_set(u, P, 2, "udp", "127.0.0.1.15.164"))
q("v3 SET tcp", lambda: rb.rpcb_set(u, P, 2, "tcp", "127.0.0.1.15.165"))
q("v2 UNSET of nothing registered", lambda: rb.pmap_unset(u, P + 1, 1))
q("v4 UNSET of nothing registered", lambda: rb.rpcb_unset(u, P + 1, 1, "tcp"))
for vers in (3, 4):
    for addr in (u, t, u6):
        for netid in ("tcp6", "udp", "tcp", "bogus"):
            q(f"v{vers} GETADDR {netid} over {addr}", lambda: rb.rpcb_getaddr(addr, vers, P, 2, netid))
        q(f"v{vers} GETADDR other version tcp over {addr}", lambda: rb.rpcb_getaddr(addr, vers, P, 9, "tcp"))
x = "unix:///run/rpcbind.sock"
for vers in (3, 4):
    for netid in ("tcp6", "udp", "tcp", "local"):
        q(f"v{vers} GETADDR {netid} over unix", lambda: rb.rpcb_getaddr(x, vers, P, 2, netid))
def getversaddr(addr, netid, vers):
    with Channel(addr, RPCBPROG, RPCBVERS4, timeout=3) as c:
        return c.call(RPCBPROC_GETVERSADDR, rpcb(P, vers, netid, "", "").pack, unpack_rpcb_uaddr)
for addr in (u, t, x):
    for netid in ("tcp6", "udp", "tcp"):
        q(f"v4 GETVERSADDR {netid} vers 2 over {addr}", lambda: getversaddr(addr, netid, 2))
        q(f"v4 GETVERSADDR {netid} vers 9 over {addr}", lambda: getversaddr(addr, netid, 9))
