"""Benchmarks of the pure-Python runtime, side by side in one run:

  1. null calls per second from the Python client to the onc C server (onc_testd), TCP and UDP;
     and to the C server with RPC-with-TLS (tests/peers/tls_peer, certificates made by
     tests/tls/make_certs.sh with the openssl CLI): the same calls in cleartext and inside TLS
     1.3 on one connection, their ratio, and new TLS connections (probe, handshake, one call)
     per second; and beside grpcio (Debian's python3-grpcio, calling bench/bench_grpc's C++
     server), null calls synchronous, from 8 threads sharing one client, and on asyncio
     (onc.aio, grpc.aio) with 64 in flight on one connection; and calls of a 1 ms handler
     (onc_testd with 8 workers) from one thread and from 8 threads sharing one client;
  2. XDR encode/decode of the benchmark's struct-heavy message (bench/bench_types.x:
     bench_item { int id; unsigned flags; hyper stamp; string name<32>; } x 100,000, and
     int<> x 1,000,000), written as generated code would write it, against an xdrlib-based
     codec of the same message where xdrlib exists (Python <= 3.12), which must produce the
     same bytes.

  python/bench_python.py [--build DIR] [--json FILE] [--quick]

DIR is the CMake build directory holding tests/peers/onc_testd and tls_peer ($ONC_BUILD_DIR,
default build/). Timings are the best of several runs.
"""

import argparse
import asyncio
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the runtime from the source tree

import onc  # noqa: E402
import onc.aio  # noqa: E402

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import xdrlib  # removed in Python 3.13
except ImportError:
    xdrlib = None

TESTPROG = 0x20000123
NAME_MAX = 32

# --- the message, encoded as generated code would: fixed-size runs in one struct call ---

_ITEM_HEAD = struct.Struct(">iIq")  # id, flags, stamp


def encode_items(p, items):
    p.pack_array_len(len(items))
    pack_struct, pack_string = p.pack_struct, p.pack_string
    for id_, flags, stamp, name in items:
        pack_struct(_ITEM_HEAD, id_, flags, stamp)
        pack_string(name, NAME_MAX)


def decode_items(u):
    n = u.unpack_array_len(onc.UNLIMITED, 16)  # an item is at least 16 bytes
    unpack_struct, unpack_string = u.unpack_struct, u.unpack_string
    return [(*unpack_struct(_ITEM_HEAD), unpack_string(NAME_MAX)) for _ in range(n)]


def encode_items_per_field(p, items):
    """The same, one call per field (what an emitter without struct runs would write)."""
    p.pack_array_len(len(items))
    for id_, flags, stamp, name in items:
        p.pack_int(id_)
        p.pack_uint(flags)
        p.pack_hyper(stamp)
        p.pack_string(name, NAME_MAX)


def decode_items_per_field(u):
    n = u.unpack_array_len(onc.UNLIMITED, 16)
    return [(u.unpack_int(), u.unpack_uint(), u.unpack_hyper(), u.unpack_string(NAME_MAX))
            for _ in range(n)]


# --- the same message with xdrlib ---

def xdrlib_encode_items(items):
    p = xdrlib.Packer()
    p.pack_uint(len(items))
    for id_, flags, stamp, name in items:
        p.pack_int(id_)
        p.pack_uint(flags)
        p.pack_hyper(stamp)
        p.pack_string(name.encode())
    return p.get_buffer()


def xdrlib_decode_items(data):
    u = xdrlib.Unpacker(data)
    out = []
    for _ in range(u.unpack_uint()):
        id_, flags, stamp = u.unpack_int(), u.unpack_uint(), u.unpack_hyper()
        name = u.unpack_string()
        if len(name) > NAME_MAX:
            raise ValueError("name too long")
        out.append((id_, flags, stamp, name.decode()))
    return out


def xdrlib_encode_ints(values):
    p = xdrlib.Packer()
    p.pack_array(values, p.pack_int)
    return p.get_buffer()


def xdrlib_decode_ints(data):
    u = xdrlib.Unpacker(data)
    return u.unpack_array(u.unpack_int)


def onc_encode(fn, value):
    p = onc.Packer()
    fn(p, value)
    return p.get_buffer()


# --- timing ---

def best_of(fn, runs):
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def make_input(n_items, n_ints):
    rng = random.Random(0x243F6A88)  # fixed: every run encodes the same data
    letters = "abcdefghijklmnopqrstuvwxyz"
    items = [(rng.randint(-2**31, 2**31 - 1), rng.getrandbits(32), rng.randint(-2**63, 2**63 - 1),
              "".join(rng.choice(letters) for _ in range(rng.randint(0, NAME_MAX))))
             for _ in range(n_items)]
    ints = [rng.randint(-2**31, 2**31 - 1) for _ in range(n_ints)]
    return items, ints


def bench_xdr(n_items, n_ints, runs):
    items, ints = make_input(n_items, n_ints)
    sides = {
        "items": {
            "onc": (lambda v: onc_encode(encode_items, v),
                    lambda b: decode_items(onc.Unpacker(b))),
            "onc per-field": (lambda v: onc_encode(encode_items_per_field, v),
                              lambda b: decode_items_per_field(onc.Unpacker(b))),
        },
        "ints": {
            "onc": (lambda v: onc_encode(lambda p, x: p.pack_int_array(x), v),
                    lambda b: onc.Unpacker(b).unpack_int_array()),
        },
    }
    if xdrlib:
        sides["items"]["xdrlib"] = (xdrlib_encode_items, xdrlib_decode_items)
        sides["ints"]["xdrlib"] = (xdrlib_encode_ints, xdrlib_decode_ints)
    cases = []
    for data_name, value, count in (("items", items, n_items), ("ints", ints, n_ints)):
        reference = sides[data_name]["onc"][0](value)
        results = {}
        for side, (enc, dec) in sides[data_name].items():
            # correctness first: every side makes the same bytes and reads them back
            if enc(value) != reference or dec(reference) != value:
                raise SystemExit(f"{side} does not round-trip {data_name} to the same bytes")
            results[side] = {"encode": best_of(lambda: enc(value), runs),
                             "decode": best_of(lambda: dec(reference), runs)}
        cases.append({"data": f"struct[{n_items}]" if data_name == "items" else f"int[{n_ints}]",
                      "bytes": len(reference), "items": count, "seconds": results})
    return cases


def start_testd(build, workers=0):
    """onc_testd (running its calls on `workers` threads when not 0): (process, tcp, udp)."""
    exe = os.path.join(build, "tests", "peers", "onc_testd")
    if not os.access(exe, os.X_OK):
        raise SystemExit(f"{exe} is missing: cmake --build {build} --target onc_testd")
    env = dict(os.environ, ONC_TEST_WORKERS=str(workers))
    p = subprocess.Popen([exe], stdout=subprocess.PIPE, text=True, env=env)
    line = p.stdout.readline().split()
    return p, int(line[1]), int(line[3])


def bench_null(build, seconds):
    p, tcp, udp = start_testd(build)
    out = {}
    try:
        for kind, port in (("tcp", tcp), ("udp", udp)):
            with onc.Client(f"{kind}://127.0.0.1:{port}", TESTPROG, 1, timeout=5) as c:
                out[kind] = rate(c.null, seconds, 100)
    finally:
        p.terminate()
        p.wait()
    return out


THREADS = 8  # threads sharing one client
WINDOW = 64  # asyncio calls in flight on one connection
PROC_SLEEP = 3  # onc_testd's SLEEP(ms)


def bench_calls(build, seconds):
    """Null calls from this Python to the onc C server and to gRPC's C++ server (bench_grpc
    --serve, when built): synchronous on one connection, THREADS threads sharing one client,
    and asyncio with WINDOW calls in flight on one connection (onc.aio, grpc.aio)."""
    p, tcp, _ = start_testd(build)
    out = {"onc": {}}
    try:
        with onc.Client(f"tcp://127.0.0.1:{tcp}", TESTPROG, 1, timeout=5) as c:
            out["onc"]["sync"] = rate(c.null, seconds, 100)
            out["onc"]["threads"] = threads_rate(c.null, seconds)

        async def onc_window():
            async with onc.aio.Client(f"tcp://127.0.0.1:{tcp}", TESTPROG, 1, timeout=5) as a:
                return await window_rate(a.null, seconds)

        out["onc"]["async_window"] = asyncio.run(onc_window())
    finally:
        p.terminate()
        p.wait()
    out["grpc"] = bench_grpcio(build, seconds)
    return out


def bench_slow_calls(build, seconds):
    """Calls of a 1 ms handler (onc_testd's SLEEP(1), its calls on THREADS workers) from one
    thread and from THREADS threads sharing one client: what pipelining gains when the server
    takes its time (with calls taking turns, THREADS threads are no faster than one)."""
    p, tcp, _ = start_testd(build, workers=THREADS)
    try:
        with onc.Client(f"tcp://127.0.0.1:{tcp}", TESTPROG, 1, timeout=5) as c:
            def sleep_1ms():
                c.call(PROC_SLEEP, lambda q: q.pack_int(1))

            one = rate(sleep_1ms, seconds, 10)
            many = threads_rate(sleep_1ms, seconds)
    finally:
        p.terminate()
        p.wait()
    return {"one_thread": one, "threads": many,
            "threads_vs_one": round(many["calls_per_s"] / one["calls_per_s"], 2)}


def bench_grpcio(build, seconds):
    """grpcio (Debian's python3-grpcio) against bench_grpc's C++ server: an empty unary call,
    its request and reply written by hand (an empty protobuf message is no bytes). None when
    either is missing (scripts/deps.sh bench installs them)."""
    exe = os.path.join(build, "bench", "bench_grpc")
    try:
        import grpc
        import grpc.aio
    except ImportError:
        return None
    if not os.access(exe, os.X_OK):
        return None
    p = subprocess.Popen([exe, "--serve"], stdout=subprocess.PIPE, text=True)
    target = f"127.0.0.1:{int(p.stdout.readline().split()[1])}"
    method = "/onc_bench.Bench/Null"
    empty = dict(request_serializer=lambda _: b"", response_deserializer=bytes)
    out = {"version": grpc.__version__}
    try:
        with grpc.insecure_channel(target) as ch:
            null = ch.unary_unary(method, **empty)
            out["sync"] = rate(lambda: null(None), seconds, 100)
            out["threads"] = threads_rate(lambda: null(None), seconds)

        async def grpc_window():
            async with grpc.aio.insecure_channel(target) as ch:
                null = ch.unary_unary(method, **empty)
                return await window_rate(lambda: null(None), seconds)

        out["async_window"] = asyncio.run(grpc_window())
    finally:
        p.terminate()
        p.wait()
    return out


def threads_rate(fn, seconds):
    """fn() called by THREADS threads at once for `seconds`: calls per second, all together."""
    counts = [0] * THREADS
    stop = time.perf_counter() + seconds

    def run(i):
        while time.perf_counter() < stop:
            fn()
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"calls_per_s": sum(counts) / (time.perf_counter() - t0)}


async def window_rate(call, seconds):
    """WINDOW tasks each awaiting call() in turn for `seconds`: WINDOW calls in flight."""
    done = 0
    stop = time.perf_counter() + seconds

    async def worker():
        nonlocal done
        while time.perf_counter() < stop:
            await call()
            done += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(WINDOW)))
    return {"calls_per_s": done / (time.perf_counter() - t0)}


def rate(fn, seconds, batch):
    """fn() run in batches for about `seconds`, after a warm-up: calls per second."""
    for _ in range(batch):
        fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(batch):
            fn()
        n += batch
    elapsed = time.perf_counter() - t0
    return {"calls": n, "seconds": elapsed, "calls_per_s": n / elapsed,
            "us_per_call": elapsed / n * 1e6}


def bench_tls(build, seconds):
    """The C TLS server: null calls in cleartext and inside TLS on one connection, and new
    TLS connections (each: connect, probe, handshake, one null call, close)."""
    exe = os.path.join(build, "tests", "peers", "tls_peer")
    if not os.access(exe, os.X_OK):
        raise SystemExit(f"{exe} is missing: cmake --build {build} --target tls_peer")
    certs = tempfile.mkdtemp(prefix="onc-bench-tls-")
    subprocess.run(["sh", os.path.join(os.path.dirname(HERE), "tests", "tls", "make_certs.sh"),
                    certs], check=True)
    p = subprocess.Popen([exe, "server", f"cert={certs}/server.pem", f"key={certs}/server.key"],
                         stdout=subprocess.PIPE, text=True)
    prog = 0x20000777  # TLSPROG, tests/tls/tls_test.h
    options = onc.ClientTLS(ca_file=f"{certs}/ca.pem")
    out = {}
    try:
        port = int(p.stdout.readline().split()[1])
        for kind in ("tcp", "tls"):
            with onc.Client(f"{kind}://127.0.0.1:{port}", prog, 1, timeout=5,
                            tls=options if kind == "tls" else None) as c:
                out[kind] = rate(c.null, seconds, 100)

        def connect():
            with onc.Client(f"tls://127.0.0.1:{port}", prog, 1, timeout=5, tls=options) as c:
                c.null()

        out["tls_connect"] = rate(connect, seconds, 10)
    finally:
        p.terminate()
        p.wait()
        subprocess.run(["rm", "-rf", certs], check=False)
    out["tls_vs_tcp"] = round(out["tls"]["calls_per_s"] / out["tcp"]["calls_per_s"], 2)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    root = os.path.dirname(HERE)
    ap.add_argument("--build", default=os.environ.get("ONC_BUILD_DIR", os.path.join(root, "build")))
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--quick", action="store_true", help="smaller data, shorter runs")
    args = ap.parse_args()
    build = args.build if os.path.isabs(args.build) else os.path.join(root, args.build)
    n_items, n_ints, runs, secs = (10000, 100000, 3, 0.3) if args.quick else (100000, 1000000, 5, 2.0)

    print(f"Python {sys.version.split()[0]}; xdrlib {'present' if xdrlib else 'absent'}")
    null = bench_null(build, secs)
    for kind, r in null.items():
        print(f"null call, Python client -> onc C server ({kind}): {r['calls_per_s']:9.0f} calls/s"
              f"  ({r['us_per_call']:.1f} us/call)")
    calls = bench_calls(build, secs)
    for side in ("onc", "grpc"):
        r = calls[side]
        if r is None:
            print("grpcio or bench_grpc missing (scripts/deps.sh bench): no gRPC figures")
            continue
        print(f"null call, Python {side} client: sync {r['sync']['calls_per_s']:9.0f}/s, "
              f"{THREADS} threads sharing a client {r['threads']['calls_per_s']:9.0f}/s, "
              f"asyncio {WINDOW} in flight {r['async_window']['calls_per_s']:9.0f}/s")
    if calls["grpc"]:
        for k in ("sync", "threads", "async_window"):
            calls.setdefault("onc_vs_grpc", {})[k] = round(
                calls["onc"][k]["calls_per_s"] / calls["grpc"][k]["calls_per_s"], 2)
        print(f"onc / grpcio: {calls['onc_vs_grpc']}")
    slow = calls["onc"]["slow_handler"] = bench_slow_calls(build, secs)
    print(f"calls of a 1 ms handler (server: {THREADS} workers), Python onc client: one thread "
          f"{slow['one_thread']['calls_per_s']:7.0f}/s, {THREADS} threads sharing a client "
          f"{slow['threads']['calls_per_s']:7.0f}/s ({slow['threads_vs_one']:.2f}x)")
    tls = bench_tls(build, secs)
    print(f"null call, Python client -> onc C server, cleartext TCP: "
          f"{tls['tcp']['calls_per_s']:9.0f} calls/s; inside TLS 1.3: "
          f"{tls['tls']['calls_per_s']:9.0f} calls/s ({tls['tls_vs_tcp']:.2f}x cleartext); "
          f"new TLS connections (probe, handshake, a call): "
          f"{tls['tls_connect']['calls_per_s']:.0f}/s")
    cases = bench_xdr(n_items, n_ints, runs)
    for case in cases:
        s = case["seconds"]
        for op in ("encode", "decode"):
            line = f"XDR {op:6} {case['data']:15} ({case['bytes']} bytes):"
            for side, t in s.items():
                line += f"  {side} {t[op] * 1e3:8.1f} ms ({case['items'] / t[op] / 1e6:.2f} M items/s)"
            if "xdrlib" in s:
                ratio = s["xdrlib"][op] / s["onc"][op]
                case.setdefault("onc_vs_xdrlib", {})[op] = round(ratio, 2)
                line += f"  onc/xdrlib speed ratio {ratio:.2f}x"
            print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"benchmark": "python", "python": sys.version.split()[0],
                       "xdrlib": bool(xdrlib), "null_call": null, "calls": calls, "tls": tls,
                       "xdr": cases}, f,
                      indent=1)
        print(f"written: {args.json}")


if __name__ == "__main__":
    main()
