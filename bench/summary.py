#!/usr/bin/env python3
"""The one table of `make bench`: every case from the JSON files the benchmarks wrote in
bench/results/, side by side (libtirpc, ntirpc, gRPC), with its ratios and targets; the same
rows are written to bench/results/summary.json.  bench/summary.py [RESULTS_DIR]"""

import json
import os
import sys

results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results")


def load(name):
    path = os.path.join(results, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


rows = []


def row(case, unit, onc, libtirpc=None, ntirpc=None, limit=None, onc_lat=None, target=None,
        met=None, grpc=None, grpc_target=None):
    """onc_lat: (p50, p99) in microseconds; target: text; met: bool or None (no target);
    grpc_target: the least onc/gRPC ratio, added to the target when there is a gRPC figure."""
    if grpc and grpc_target:
        ratio = onc / grpc
        target = (target + "; " if target else "") + f">= {grpc_target:g}x gRPC"
        met = (met is not False) and ratio >= grpc_target
    rows.append({"case": case, "unit": unit, "onc": onc, "libtirpc": libtirpc, "ntirpc": ntirpc,
                 "grpc": grpc, "limit": limit,
                 "onc_vs_libtirpc": onc / libtirpc if libtirpc else None,
                 "onc_vs_grpc": onc / grpc if grpc else None,
                 "onc_vs_limit": onc / limit if limit else None,
                 "onc_p50_us": onc_lat[0] if onc_lat else None,
                 "onc_p99_us": onc_lat[1] if onc_lat else None,
                 "target": target, "met": met})


def lat(r):
    return (r["p50_us"], r["p99_us"])


xdr = load("xdr")
if xdr:
    for c in xdr["cases"]:
        if c["operation"] != "encode+decode":
            continue
        o, t, m = c["onc"]["mb_per_s"], c["libtirpc"]["mb_per_s"], c["memcpy"]["mb_per_s"]
        ints = c["data"] == "int_array"
        target = ">= 3x libtirpc" + (", >= 50% of memcpy" if ints else "")
        row(f"XDR {c['data']} encode+decode", "MB/s", o, t, None, m, None, target,
            o / t >= 3 and (not ints or o / m >= 0.5))

null = load("null_call")
nt = load("ntirpc")
load_ = load("load")
grpc = load("grpc")


def grpc_rate(key):
    return grpc[key]["calls_per_s"] if grpc else None


if null:
    o, t, r = null["onc"], null["libtirpc"], null["raw"]
    row("null call, 1 connection, sync", "calls/s", o["calls_per_s"], t["calls_per_s"],
        nt["sync"]["calls_per_s"] if nt else None, r["calls_per_s"], lat(o),
        ">= 1.3x libtirpc", o["calls_per_s"] / t["calls_per_s"] >= 1.3, grpc_rate("sync"), 3)
    row("  latency p50 (limit: raw ping-pong)", "us", o["p50_us"], t["p50_us"],
        nt["sync"]["p50_us"] if nt else None, r["p50_us"], None,
        "<= 1.15x raw", o["p50_us"] / r["p50_us"] <= 1.15)
    a = null["onc_64_in_flight"]
    row("null call, 1 connection, 64 in flight", "calls/s", a["calls_per_s"], t["calls_per_s"],
        None, None, lat(a), ">= 5x libtirpc sync", a["calls_per_s"] / t["calls_per_s"] >= 5,
        grpc_rate("async_64_in_flight"), 5)
    if "onc_64_in_flight_workers" in null:
        w = null["onc_64_in_flight_workers"]
        row("  the same, server on 2 workers", "calls/s", w["calls_per_s"], t["calls_per_s"],
            None, None, lat(w))
if load_:
    th = load_["threads16"]
    row("null call, 16 threads", "calls/s", th["onc"]["calls_per_s"],
        th["libtirpc"]["calls_per_s"], nt["threads16"]["calls_per_s"] if nt else None, None,
        lat(th["onc"]), ">= 2x libtirpc",
        th["onc"]["calls_per_s"] / th["libtirpc"]["calls_per_s"] >= 2, grpc_rate("threads16"), 2)
    b = load_["bulk64k"]
    row("64 KiB argument, 1 connection", "MB/s", b["onc_mb_per_s"], b["libtirpc_mb_per_s"],
        None, None, lat(b["onc"]), grpc=grpc["bulk64k_mb_per_s"] if grpc else None)
    cpu = load_["cpu_bound"]
    us = cpu["work_us"]
    row(f"{us} us CPU calls, 64 in flight, on loop", "calls/s",
        cpu["onc_inline_64_in_flight"]["calls_per_s"], cpu["libtirpc"]["calls_per_s"], None,
        None, lat(cpu["onc_inline_64_in_flight"]))
    w = cpu["onc_workers_64_in_flight"]
    # The limit: every core doing nothing but the procedure's work.
    row(f"{us} us CPU calls, 64 in flight, workers", "calls/s", w["calls_per_s"],
        cpu["libtirpc"]["calls_per_s"], None, (os.cpu_count() or 1) * 1e6 / us, lat(w))
    row("resident memory per idle connection", "bytes", load_["onc_bytes_per_idle_connection"],
        None, None, None, None, "< 64 KiB", load_["onc_bytes_per_idle_connection"] < 65536)
tls = load("tls")
if tls:
    # The libtirpc column is libtirpc through stunnel4; the limit is onc in cleartext.
    def rate(k):
        return tls[k]["calls_per_s"]
    o, c, t = rate("null_onc_tls"), rate("null_onc"), rate("null_tirpc_stunnel")
    row("TLS null call, 1 connection, sync", "calls/s", o, t, None, c, lat(tls["null_onc_tls"]),
        ">= 0.7x cleartext, >= 1.5x libtirpc+stunnel", o / c >= 0.7 and o / t >= 1.5)
    row("TLS null call, 64 in flight", "calls/s", rate("window_onc_tls"), None, None,
        rate("window_onc"), lat(tls["window_onc_tls"]))
    mb = 65536 / 1e6
    o, c, t = rate("bulk_onc_tls") * mb, rate("bulk_onc") * mb, rate("bulk_tirpc_stunnel") * mb
    row("TLS 64 KiB argument, 1 connection", "MB/s", o, t, None, c, lat(tls["bulk_onc_tls"]),
        ">= 0.6x cleartext", o / c >= 0.6)
    row("TLS connect+handshake+call", "per s", rate("connect_onc_tls"),
        rate("connect_tirpc_stunnel"), None, rate("connect_onc"), lat(tls["connect_onc_tls"]))
    idle = tls["onc_tls_bytes_per_idle_connection"]
    row("resident memory per idle TLS connection", "bytes", idle, None, None, None, None,
        "< 64 KiB", idle < 65536)
stubs = load("stubs")
if stubs:
    for key, case in (("stub_sync", "calc_add_1 stub, sync"),
                      ("client_call", "onc_client_call, sync (same call)"),
                      ("stub_64_in_flight", "calc_add_1_send/_receive, 64 in flight")):
        row(case, "calls/s", stubs[key]["calls_per_s"], onc_lat=lat(stubs[key]))
        a = stubs[key + "_allocs"]
        row("  heap allocations per call, client", "allocs", a["client"], target="0 (issue 17)",
            met=a["client"] == 0)
        row("  heap allocations per call, server", "allocs", a["server"], target="0 (issue 17)",
            met=a["server"] == 0)
py = load("python")
if py:
    row("Python client null call (TCP)", "calls/s", py["null_call"]["tcp"]["calls_per_s"])
    calls = py.get("calls")
    if calls:
        g = calls.get("grpc") or {}
        for key, case, least in (("sync", "Python null call, sync", 2),
                                 ("threads", "Python null call, 8 threads, one client", None),
                                 ("async_window", "Python asyncio, 64 in flight", 3)):
            row(case, "calls/s", calls["onc"][key]["calls_per_s"],
                grpc=g[key]["calls_per_s"] if key in g else None, grpc_target=least)
        slow = calls["onc"].get("slow_handler")
        if slow:
            row("Python 1 ms handler, 8 threads, one client", "calls/s",
                slow["threads"]["calls_per_s"])
            row("  vs the same calls from one thread", "x", slow["threads_vs_one"])
    for c in py["xdr"]:
        if "onc_vs_xdrlib" in c:
            row(f"Python XDR {c['data']} enc (vs xdrlib)", "x", c["onc_vs_xdrlib"]["encode"],
                None, None, None, None, "not slower than xdrlib",
                c["onc_vs_xdrlib"]["encode"] >= 1)
            row(f"Python XDR {c['data']} dec (vs xdrlib)", "x", c["onc_vs_xdrlib"]["decode"],
                None, None, None, None, "not slower than xdrlib",
                c["onc_vs_xdrlib"]["decode"] >= 1)


def num(v, ratio=False):
    if v is None:
        return "-"
    if ratio:
        return f"{v:.2f}x"
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"


header = ("case", "unit", "onc", "libtirpc", "ntirpc", "gRPC", "limit", "vs libtirpc",
          "vs gRPC", "vs limit", "p50/p99 us", "target", "")
lines = [header]
for r in rows:
    latency = "-" if r["onc_p50_us"] is None else f"{r['onc_p50_us']:.0f}/{r['onc_p99_us']:.0f}"
    met = "" if r["met"] is None else ("met" if r["met"] else "MISSED")
    lines.append((r["case"], r["unit"], num(r["onc"]), num(r["libtirpc"]), num(r["ntirpc"]),
                  num(r["grpc"]), num(r["limit"]), num(r["onc_vs_libtirpc"], True),
                  num(r["onc_vs_grpc"], True), num(r["onc_vs_limit"], True), latency,
                  r["target"] or "", met))
widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
print()
for i, line in enumerate(lines):
    print("  ".join(cell.ljust(w) if k in (0, 1, 11, 12) else cell.rjust(w)
                    for k, (cell, w) in enumerate(zip(line, widths))).rstrip())
    if i == 0:
        print("-" * (sum(widths) + 2 * (len(widths) - 1)))
print("\nLatency is onc's, from a call's start to its reply. For the null call, 'limit' is a raw "
      "TCP ping-pong of the same bytes; for the XDR cases, memcpy of the same bytes; for the TLS "
      "cases, onc in cleartext, and 'libtirpc' is libtirpc through stunnel4.")
with open(os.path.join(results, "summary.json"), "w") as f:
    json.dump({"benchmark": "summary", "rows": rows}, f, indent=1)
    f.write("\n")
