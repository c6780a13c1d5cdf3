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
# Arguments with bytes after them, and arguments cut short: rpcbind's procedures are
# dispatched by onc gen's dispatchers for rpcb_prot.x, which must answer these as rpcbind does.
def words_call(addr, vers, proc, words):
    with Channel(addr, RPCBPROG, vers, timeout=3) as c:
        return c.call(proc, lambda p: [p.pack_uint(w) for w in words],
                      lambda u: u.unpack_fopaque(u.remaining()).hex())
GETPORT = [P, 1, 17, 0]
GETADDR = [P, 2, 0, 0, 0]  # rpcb with empty netid, addr and owner
for addr in (u, t):
    q(f"v2 NULL with 4 bytes after over {addr}", lambda: words_call(addr, 2, 0, [7]))
    q(f"v2 GETPORT with 4 bytes after over {addr}", lambda: words_call(addr, 2, 3, GETPORT + [7]))
    q(f"v4 GETADDR with 4 bytes after over {addr}", lambda: words_call(addr, 4, 3, GETADDR + [7]))
    q(f"v3 GETSTAT over {addr}", lambda: words_call(addr, 3, 12, []))
    q(f"v4 DUMP with 4 bytes after over {addr}", lambda: len(words_call(addr, 4, 4, [7])) > 0)
# Over TCP only: over UDP, rpcbind 1.2.6 decodes a datagram cut short on into what is left in
# its receive buffer from the datagram before (it answers GETPORT with the last call's port).
q("v2 GETPORT cut short over tcp", lambda: words_call(t, 2, 3, GETPORT[:3]))
q("v4 GETADDR cut short over tcp", lambda: words_call(t, 4, 3, GETADDR[:4]))
