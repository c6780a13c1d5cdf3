"""A threaded server: TCP, UDP and Unix listeners, dispatch to registered program versions.

    class Calc(onc.Program):                 # what `onc gen --lang python` would write...
        PROGRAM, VERSION = 0x20000001, 1
        PROCEDURES = {1: onc.Procedure("add", lambda u: (u.unpack_int(), u.unpack_int()),
                                       onc.Packer.pack_int)}

    class MyCalc(Calc):                      # ...and what the programmer writes
        def add(self, a, b):
            return a + b

    with onc.Server() as s:                  # start() on enter, stop() on exit
        s.register(MyCalc())
        port = s.listen("tcp://127.0.0.1:0")

Answers follow RFC 5531 as the C server does: a call to an unknown program gets PROG_UNAVAIL,
to a known program but unknown version PROG_MISMATCH(lowest, highest registered), to an
unknown procedure PROC_UNAVAIL, with undecodable arguments (or bytes after them)
GARBAGE_ARGS; a handler answers PROC_UNAVAIL, GARBAGE_ARGS, PROG_UNAVAIL, SYSTEM_ERR or
AUTH_ERROR by raising ProcUnavail, GarbageArgs, ProgUnavail, SystemErr or AuthError(stat),
and any other exception, or a result that does not encode, is SYSTEM_ERR (logged on the
"onc.server" logger); RPC versions other than 2 get RPC_MISMATCH(2, 2), credentials other than
AUTH_NONE / well-formed AUTH_SYS (or a verifier other than AUTH_NONE) AUTH_ERROR. Messages
that are not calls, or too short to hold a call header, get no answer.

Each stream connection has its own thread (calls on it are answered in order); datagrams are
answered by a few worker threads.
"""

import logging
import os
import queue
import selectors
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional

from . import net
from .errors import (AddressError, AuthError, GarbageArgs, ProcUnavail, ProgMismatch,
                     ProgUnavail, ReplyError, RpcError, RpcMismatch, SystemErr, XdrError)
from .record import DEFAULT_MAX_RECORD, frame, RecordReader
from .rpc import (AcceptStat, AuthFlavor, AuthStat, AuthSys, CallHeader, accepted_reply,
                  auth_error_reply, decode_call, encode_reply, reply_for_error)
from .xdr import Packer, Unpacker

log = logging.getLogger("onc.server")

DEFAULT_MAX_CONNECTIONS = 4096
DEFAULT_IDLE_TIMEOUT = 120.0
UDP_WORKERS = 4
UDP_QUEUE = 256  # datagrams waiting for a worker; more are dropped, as a full socket would
READ_SIZE = 65536
LOG_TEXT_MAX = 300  # characters of an error's text in a log line


class Procedure(NamedTuple):
    """One procedure of a Program: the method `name` is called with the arguments that
    decode_args(unpacker) returns as a tuple (None: no arguments), and its return value is
    written by encode_result(packer, value) (None: void result)."""

    name: str
    decode_args: Optional[Callable] = None
    encode_result: Optional[Callable] = None


@dataclass
class Call:
    """One call as a handler sees it (through current_call())."""

    header: CallHeader
    auth_sys: Optional[AuthSys]  # the caller's AUTH_SYS credentials, or None
    peer: object  # the caller's socket address ("" or a path on Unix sockets)
    transport: str  # net.TCP, net.UDP, net.UNIX, or "" for Server.process()

    def is_local(self):
        """True when the caller is on this host: a Unix socket or a loopback address."""
        if self.transport in (net.UNIX, ""):
            return True
        host = self.peer[0]
        return host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1") or \
            host.startswith("::ffff:127.")


_local = threading.local()


def current_call():
    """The Call being handled by this thread (None outside a handler)."""
    return getattr(_local, "call", None)


class Program:
    """A program version served by a Server. Generated code subclasses it with PROGRAM,
    VERSION and PROCEDURES; the programmer subclasses that and writes the methods.
    Procedure 0 (NULL) is answered even when PROCEDURES does not list it.

    A handler signals an error reply by raising ProcUnavail, GarbageArgs, ProgUnavail,
    SystemErr or AuthError(stat); any other exception is answered with SYSTEM_ERR (and
    logged)."""

    PROGRAM = None
    VERSION = None
    PROCEDURES = {}

    def dispatch(self, call, args, results):
        """Decodes the arguments from Unpacker args, calls the method and encodes its result
        into Packer results. Override for a program that does not fit the table.

        Arguments that do not decode, or bytes after them, are GARBAGE_ARGS (as the C
        dispatchers' onc_xdr_dec_finish); a result that does not encode is SYSTEM_ERR."""
        proc = self.PROCEDURES.get(call.header.proc)
        if proc is None and call.header.proc != 0:
            raise ProcUnavail()
        try:
            a = proc.decode_args(args) if proc and proc.decode_args else ()
            args.done()
        except XdrError as e:
            raise GarbageArgs(str(e)) from None
        if proc is None:
            return  # NULL, answered without a table entry
        value = getattr(self, proc.name)(*a)
        if proc.encode_result:
            try:
                proc.encode_result(results, value)
            except Exception as e:  # XdrError, or a TypeError for a value of the wrong type
                log.error("%s: cannot encode the result of %s: %s", _describe(call.header),
                          proc.name, _bounded(f"{type(e).__name__}: {e}"))
                raise SystemErr() from None


def _describe(h):
    return f"procedure {h.proc} of program {h.prog} version {h.vers}"


def _bounded(text, limit=LOG_TEXT_MAX):
    """text cut to limit characters: an error's text may quote a value of any size."""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _error_reply(h, e):
    """The reply to exception e of a handler, as the C server's onc_call_fail: ProcUnavail,
    GarbageArgs, ProgUnavail and SystemErr are those answers, AuthError is AUTH_ERROR with
    its reason (AUTH_FAILED when it has none); anything else, other onc errors included (a
    ProgMismatch or Timeout from a call the handler made), is SYSTEM_ERR and logged."""
    if isinstance(e, AuthError):
        why = AuthStat.AUTH_FAILED if e.stat == AuthStat.AUTH_OK else e.stat
        return _header_only(auth_error_reply(h.xid, why))
    if isinstance(e, (ProcUnavail, GarbageArgs, ProgUnavail, SystemErr)):
        return _header_only(reply_for_error(h.xid, e))
    log.error("%s failed", _describe(h), exc_info=e)
    return _header_only(accepted_reply(h.xid, AcceptStat.SYSTEM_ERR))


def _check_credentials(h):
    """AUTH_NONE and well-formed AUTH_SYS are accepted (the AuthSys is returned); anything
    else is refused as the C server does."""
    if h.verf.flavor != AuthFlavor.AUTH_NONE:
        raise AuthError(AuthStat.AUTH_BADVERF)
    if h.cred.flavor == AuthFlavor.AUTH_NONE:
        return None
    if h.cred.flavor == AuthFlavor.AUTH_SYS:
        return AuthSys.decode(h.cred)
    raise AuthError(AuthStat.AUTH_REJECTEDCRED)


def _header_only(h):
    p = Packer()
    encode_reply(p, h)
    return p.get_buffer()


class Server:
    """max_record: the largest call accepted on a stream (a bigger one closes the
    connection); max_connections: more are closed at once; idle_timeout: seconds after which
    a connection that sent no complete call is closed."""

    def __init__(self, *, max_record=DEFAULT_MAX_RECORD, max_connections=DEFAULT_MAX_CONNECTIONS,
                 idle_timeout=DEFAULT_IDLE_TIMEOUT):
        self.max_record = max_record
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self._programs = {}  # (prog, vers) -> Program
        self._listeners = []  # (socket, Address, port)
        self._portmapper = None
        self._registered = False
        self._lock = threading.Lock()
        self._conns = set()
        self._threads = []
        self._running = False
        self._stopped = threading.Event()
        self._udp_queue = queue.Queue(UDP_QUEUE)

    # --- setting up ---

    def register(self, program, prog=None, vers=None):
        """Adds a Program (its PROGRAM/VERSION unless prog/vers are given). Before start()."""
        key = (program.PROGRAM if prog is None else prog, program.VERSION if vers is None else vers)
        if None in key or key in self._programs:
            raise ValueError(f"cannot register program {key[0]} version {key[1]}")
        self._programs[key] = program
        return program

    def listen(self, addr):
        """Listens on "tcp://127.0.0.1:0", "udp://[::1]:8000", "unix:///run/calc.sock"...;
        port 0 picks a free port, which is returned (0 for Unix sockets)."""
        a = net.parse(addr)
        if a.port is None:
            raise AddressError(f"{addr!r}: a port is needed (0 picks one)")
        s = socket.socket(a.family, a.socktype)
        try:
            if a.kind == net.UNIX:
                if os.path.exists(a.sockaddr):
                    os.unlink(a.sockaddr)
            else:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if a.family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind(a.sockaddr)
            if a.kind != net.UDP:
                s.listen(socket.SOMAXCONN)
        except OSError as e:
            s.close()
            raise AddressError(f"{addr!r}: {e}") from None
        s.setblocking(False)
        port = 0 if a.kind == net.UNIX else s.getsockname()[1]
        self._listeners.append((s, a, port))
        if self._running:
            self._selector.register(s, selectors.EVENT_READ, (s, a))
        return port

    def use_portmapper(self, pmap="udp://127.0.0.1:111"):
        """Registers every program version on every TCP and UDP listener with the rpcbind at
        pmap when the server starts (rpcbind v4/v3 SET, or portmapper v2 SET when that is all
        it speaks), and removes them (UNSET) when it stops. Call after the listeners and
        programs are set up; start() raises when the registration fails."""
        self._portmapper = pmap

    # --- running ---

    def start(self):
        """Serves in background threads until stop()."""
        if self._running:
            return
        if self._portmapper:
            self._portmapper_update(False)  # a stale registration of an earlier run
            try:
                self._portmapper_update(True)
            except RpcError:
                self._portmapper_update(False)
                raise
            self._registered = True
        self._running = True
        self._stopped.clear()
        self._wake_r, self._wake_w = socket.socketpair()  # stop() wakes the event loop
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        for s, a, _ in self._listeners:
            self._selector.register(s, selectors.EVENT_READ, (s, a))
        self._spawn(self._event_loop, "onc-listen")
        for i in range(UDP_WORKERS if any(a.kind == net.UDP for _, a, _ in self._listeners) else 0):
            self._spawn(self._udp_worker, f"onc-udp-{i}")

    def serve_forever(self):
        self.start()
        self._stopped.wait()

    def stop(self):
        """Stops serving: closes listeners and connections, joins the threads, and removes
        the portmapper registrations. Safe from any thread."""
        if not self._running:
            self._close_listeners()  # never started, or start() failed
            return
        self._running = False
        self._wake_w.send(b"x")
        for _ in range(UDP_WORKERS):
            self._udp_queue.put(None)
        with self._lock:
            for c in list(self._conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            threads, self._threads = self._threads, []
        for t in threads:
            if t is not threading.current_thread():
                t.join()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()
        self._close_listeners()
        if self._registered:
            self._portmapper_update(False)
            self._registered = False
        self._stopped.set()

    def _close_listeners(self):
        for s, a, _ in self._listeners:
            s.close()
            if a.kind == net.UNIX and os.path.exists(a.sockaddr):
                os.unlink(a.sockaddr)
        self._listeners = []

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _spawn(self, fn, name, *args):
        t = threading.Thread(target=fn, args=args, name=name, daemon=True)
        with self._lock:
            self._threads.append(t)
        t.start()
        return t

    def _portmapper_update(self, set_):
        """As the C server: rpcbind v4 (then v3) SET/UNSET with netid and universal address,
        portmapper v2 SET/UNSET when the peer speaks only version 2 (IPv4 listeners only)."""
        from .rpcbind import pmap_set, pmap_unset, rpcb_set, rpcb_unset

        for prog, vers in self._programs:
            if not set_:
                try:
                    try:
                        rpcb_unset(self._portmapper, prog, vers)
                    except ProgMismatch:
                        pmap_unset(self._portmapper, prog, vers)
                except RpcError:
                    pass
                continue
            for s, a, port in self._listeners:
                if a.kind == net.UNIX:
                    continue
                uaddr = net.make_uaddr(s.getsockname()[0], port)
                try:
                    done = rpcb_set(self._portmapper, prog, vers, a.netid, uaddr)
                except ProgMismatch:
                    if a.family == socket.AF_INET6:
                        raise
                    prot = net.IPPROTO_UDP if a.kind == net.UDP else net.IPPROTO_TCP
                    done = pmap_set(self._portmapper, prog, vers, prot, port)
                if not done:
                    raise AddressError(f"the portmapper refused program {prog} version {vers}"
                                       f" on {a.netid} port {port}")

    # --- the threads ---

    def _event_loop(self):
        """Accepts connections and reads datagrams until stop()."""
        while self._running:
            for key, _ in self._selector.select():
                if key.data is None:
                    return  # woken by stop()
                s, a = key.data
                try:
                    if a.kind == net.UDP:
                        msg, peer = s.recvfrom(READ_SIZE)
                        try:
                            self._udp_queue.put_nowait((s, msg, peer))
                        except queue.Full:
                            pass
                    else:
                        conn, peer = s.accept()
                        self._start_connection(conn, peer, a)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    if not self._running:
                        return
                    time.sleep(0.01)  # e.g. out of file descriptors: let connections close

    def _udp_worker(self):
        while True:
            item = self._udp_queue.get()
            if item is None:
                return
            s, msg, peer = item
            reply = self._handle(msg, peer, net.UDP)
            if reply is not None:
                try:
                    s.sendto(reply, peer)
                except OSError:
                    pass

    def _start_connection(self, conn, peer, a):
        with self._lock:
            full = len(self._conns) >= self.max_connections
            if not full:
                self._conns.add(conn)
        if full or not self._running:
            conn.close()
            with self._lock:
                self._conns.discard(conn)
            return
        conn.setblocking(True)
        if a.kind == net.TCP:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._spawn(self._serve_connection, "onc-conn", conn, peer, a.kind)

    def _serve_connection(self, conn, peer, kind):
        reader = RecordReader(self.max_record)
        last_call = time.monotonic()
        try:
            while self._running:
                left = last_call + self.idle_timeout - time.monotonic()
                if left <= 0:
                    return  # idle too long
                conn.settimeout(left)
                try:
                    data = conn.recv(READ_SIZE)
                except socket.timeout:
                    continue
                if not data:
                    return
                records = reader.feed(data)  # XdrError(RECORD_TOO_BIG): closed below
                if records:
                    last_call = time.monotonic()
                out = []
                for msg in records:
                    reply = self._handle(msg, peer, kind)
                    if reply is not None:
                        out.append(frame(reply))
                if out:
                    conn.sendall(b"".join(out))  # pipelined calls answered in one write
        except (OSError, XdrError):
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
                try:
                    self._threads.remove(threading.current_thread())
                except ValueError:
                    pass
            conn.close()

    # --- one message ---

    def process(self, msg):
        """The reply to one call message (bytes, not record-marked), or None when it gets no
        answer; without any I/O, the caller counting as local. For tests and other
        transports, as onc_server_process()."""
        return self._handle(msg, "", "")

    def _handle(self, msg, peer, transport):
        u = Unpacker(msg)
        try:
            h = decode_call(u)
        except (RpcMismatch, AuthError) as e:
            return _header_only(reply_for_error(e.xid, e))
        except RpcError:
            return None  # not a call, or too broken to hold an xid: no answer
        try:
            call = Call(h, _check_credentials(h), peer, transport)
            program = self._find(h.prog, h.vers)
        except ReplyError as e:
            return _header_only(reply_for_error(h.xid, e))
        results = Packer()
        encode_reply(results, accepted_reply(h.xid))
        _local.call = call
        try:
            program.dispatch(call, u, results)
        except Exception as e:
            return _error_reply(h, e)
        finally:
            _local.call = None
        return results.get_buffer()

    def _find(self, prog, vers):
        p = self._programs.get((prog, vers))
        if p is not None:
            return p
        versions = [v for (pr, v) in self._programs if pr == prog]
        if versions:
            raise ProgMismatch(min(versions), max(versions))
        raise ProgUnavail()
