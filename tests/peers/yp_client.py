"""An onc Python client of ypserv: the stubs onc gen makes of the system's yp.x, finding
ypserv through the rpcbind on this host (no port given), over TCP, UDP and IPv6. Prints one
line per answer for run_rpcbind_ypserv.sh to compare.
Usage: yp_client.py PYTHON_RUNTIME_DIR GENERATED_DIR DOMAIN MAP"""
import sys

sys.path[:0] = [sys.argv[1], sys.argv[2]]
import yp  # noqa: E402

domain, mapname = sys.argv[3], sys.argv[4]
for addr in ("tcp://127.0.0.1", "udp://127.0.0.1", "tcp://[::1]"):
    c = yp.YpprogClient(addr, timeout=5)
    print(addr, "domain", c.domain(domain))
    for key in (b"beta", b"nosuchkey"):
        r = c.match_(domain, mapname, key)
        print(addr, "match", key.decode(), r.stat.name, r.val.decode())
    c.close()
