"""A small rpcbind written on the Python runtime (a Program overriding dispatch), for tests of
the lookup and registration paths: portmapper v2 SET/UNSET/GETPORT/DUMP and rpcbind v3/v4
SET/UNSET/GETADDR over one table, as RFC 1833 describes. `versions` picks which it speaks."""

import threading

import onc
from onc.net import uaddr_port
from onc.rpcb_prot import RPCB_MAXSTRING
from onc.rpcbind import PMAP_PROG, Mapping

PROT_NETID = {6: "tcp", 17: "udp"}


class Table:
    def __init__(self):
        self.entries = []  # [prog, vers, netid, uaddr, owner]
        self.calls = []  # (version, procedure) of every call
        self.refuse = False  # refuse every SET, as a portmapper that has it elsewhere would
        self.lock = threading.Lock()

    def find(self, prog, vers, netid):
        return next((e for e in self.entries if e[:3] == [prog, vers, netid]), None)


class Rpcbind(onc.Program):
    PROGRAM = PMAP_PROG

    def __init__(self, table, version):
        self.table, self.VERSION = table, version

    def dispatch(self, call, u, p):
        proc, t = call.header.proc, self.table
        with t.lock:
            t.calls.append((self.VERSION, proc))
            if proc == 0:
                return
            if self.VERSION == 2:
                return self.v2(call, proc, u, p)
            if proc not in (1, 2, 3):
                raise onc.ProcUnavail()
            try:
                prog, vers = u.unpack_uint(), u.unpack_uint()
                netid, addr, owner = (u.unpack_string(RPCB_MAXSTRING) for _ in range(3))
            except onc.XdrError:
                raise onc.GarbageArgs() from None
            e = t.find(prog, vers, netid)
            if proc == 1:  # SET
                ok = e is None and call.is_local() and not t.refuse
                if ok:
                    t.entries.append([prog, vers, netid, addr, owner])
                p.pack_bool(ok)
            elif proc == 2:  # UNSET
                before = len(t.entries)
                t.entries = [x for x in t.entries
                             if not (x[:2] == [prog, vers] and netid in ("", x[2]))]
                p.pack_bool(len(t.entries) < before)
            else:  # GETADDR
                p.pack_string(e[3] if e else "", RPCB_MAXSTRING)

    def v2(self, call, proc, u, p):
        t = self.table
        if proc == 4:  # DUMP
            for prog, vers, netid, addr, _ in t.entries:
                prot = {"tcp": 6, "udp": 17}.get(netid)
                if prot:
                    p.pack_bool(True)
                    Mapping(prog, vers, prot, uaddr_port(addr)).pack(p)
            p.pack_bool(False)
            return
        if proc > 4:
            raise onc.ProcUnavail()
        try:
            m = Mapping.unpack(u)
        except onc.XdrError:
            raise onc.GarbageArgs() from None
        if proc == 3:  # GETPORT
            e = t.find(m.prog, m.vers, PROT_NETID.get(m.prot))
            p.pack_uint(uaddr_port(e[3]) if e else 0)
        elif proc == 1:  # SET
            netid = PROT_NETID.get(m.prot)
            ok = (netid is not None and t.find(m.prog, m.vers, netid) is None and call.is_local()
                  and not t.refuse)
            if ok:
                t.entries.append([m.prog, m.vers, netid,
                                  f"0.0.0.0.{m.port >> 8}.{m.port & 255}", "unknown"])
            p.pack_bool(ok)
        else:  # UNSET
            before = len(t.entries)
            t.entries = [x for x in t.entries
                         if not (x[:2] == [m.prog, m.vers] and x[2] in ("tcp", "udp"))]
            p.pack_bool(len(t.entries) < before)


class FakeRpcbind:
    """Serves the table on TCP and UDP 127.0.0.1 ports of its own."""

    def __init__(self, versions=(2, 3, 4)):
        self.table = Table()
        self.server = onc.Server()
        for v in versions:
            self.server.register(Rpcbind(self.table, v))
        self.port = self.server.listen("tcp://127.0.0.1:0")
        self.udp_port = self.server.listen(f"udp://127.0.0.1:{self.port}")
        self.server.start()
        self.udp = f"udp://127.0.0.1:{self.port}"

    def stop(self):
        self.server.stop()
