#!/usr/bin/env python3
"""Turns bench/distribution.sh's results.tsv into the markdown section of bench/RESULTS.md (medians of the runs).

Usage: distribution-report.py results.tsv N connections threads duration load-at-start crowdsec-version
"""

import datetime
import os
import platform
import re
import statistics
import sys


def main(argv):
    path, n, conns, threads, duration, load, cs_version = argv[1:8]
    rows = {}
    for line in open(path):
        name, run, value = line.rstrip("\n").split("\t", 2)
        rows.setdefault(name, []).append(value)

    def field(name, key):
        out = []
        for v in rows.get(name, []):
            m = re.search(key + r"=([0-9.]+)", v)
            if m:
                out.append(float(m.group(1)))
        return out

    def med(values):
        return statistics.median(values) if values else None

    def timed(name, index):
        return [float(v.split()[index]) for v in rows.get(name, [])]

    def heap(name):
        return field(name, "heap_growth_mib")

    def wrk_ms(name):
        out = []
        for v in rows.get(name, []):
            m = re.search(r"p50=([0-9.]+)(us|ms|s)", v)
            if m:
                scale = {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
                out.append(float(m.group(1)) * scale)
        return out

    def fmt(x, unit="", digits=1):
        return "n/a" if x is None else f"{x:,.{digits}f}{unit}"

    check_rps, check_p99 = med(field("check", "rps")), med(field("check", "p99_ms"))
    ours_rps, ours_p99 = med(field("banlist_decisions", "rps")), med(field("banlist_decisions", "p99_ms"))
    cs_rps, cs_p99 = med(field("crowdsec_decisions", "rps")), med(field("crowdsec_decisions", "p99_ms"))
    ratio = ours_rps / cs_rps if ours_rps and cs_rps else None
    snap_t, snap_mb = med(timed("stream_snapshot", 0)), med(timed("stream_snapshot", 1))
    snap_heap = med(heap("stream_snapshot"))
    start_t, start_mb = med(timed("banlist_startup", 0)), med(timed("banlist_startup", 1))
    start_heap = med(heap("banlist_startup"))
    delta = med(wrk_ms("empty_delta"))
    export_t = med(timed("export_aggregated", 0))
    cs_start_t, cs_start_mb = med(timed("crowdsec_startup", 0)), med(timed("crowdsec_startup", 1))
    cs_delta = med(timed("crowdsec_empty_delta", 0))
    cs_import = med([float(v) for v in rows.get("crowdsec_import", [])])

    def ok(cond):
        return "n/a" if cond is None else ("met" if cond else "**not met**")

    print(f"## Enforcer distribution ({datetime.date.today().isoformat()})")
    print()
    print(f"`bench/distribution.sh`: {int(n):,} active decisions (70% IPv4 addresses, 10% IPv4 networks, 15% IPv6 "
          f"addresses, 5% IPv6 networks), loaded through the API; Banlist with `{os.environ.get('JAVA_OPTS', '-Xmx1g')}` "
          f"on Debian PostgreSQL 15; CrowdSec LAPI {cs_version or 'n/a'} (Debian) on SQLite with the same decisions "
          f"(`cscli decisions import`, {fmt(cs_import, ' s')}); wrk `-t{threads} -c{conns} -d{duration} --latency` "
          f"with `bench/check.lua` over 10,000 probe addresses (half banned). {os.cpu_count()} cores, "
          f"{platform.machine()}, load average at start {load}. Median of the runs.")
    print()
    print("| Measurement | Target | Result | |")
    print("|---|---|---|---|")
    print(f"| `GET /api/v1/check` at {conns} connections | ≥ 30,000 req/s, p99 < 5 ms | {fmt(check_rps, ' req/s', 0)}, "
          f"p99 {fmt(check_p99, ' ms', 2)} | {ok(check_rps and check_p99 is not None and check_rps >= 30000 and check_p99 < 5)} |")
    print(f"| `GET /v1/decisions?ip=` Banlist | | {fmt(ours_rps, ' req/s', 0)}, p99 {fmt(ours_p99, ' ms', 2)} | |")
    print(f"| `GET /v1/decisions?ip=` CrowdSec | | {fmt(cs_rps, ' req/s', 0)}, p99 {fmt(cs_p99, ' ms', 1)} | |")
    print(f"| Banlist / CrowdSec | ≥ 50x | {fmt(ratio, 'x', 0)} | {ok(None if ratio is None else ratio >= 50)} |")
    print(f"| `GET /api/v1/stream` snapshot | < 3 s, heap growth < 100 MB | {fmt(snap_t, ' s', 2)}, "
          f"{fmt(snap_mb and snap_mb / 1e6, ' MB')}, heap +{fmt(snap_heap, ' MiB', 0)} | "
          f"{ok(None if snap_t is None else snap_t < 3 and (snap_heap or 0) < 100)} |")
    print(f"| `GET /v1/decisions/stream?startup=true` Banlist | | {fmt(start_t, ' s', 2)}, "
          f"{fmt(start_mb and start_mb / 1e6, ' MB')}, heap +{fmt(start_heap, ' MiB', 0)} | |")
    print(f"| `GET /v1/decisions/stream?startup=true` CrowdSec | | {fmt(cs_start_t, ' s', 2)}, "
          f"{fmt(cs_start_mb and cs_start_mb / 1e6, ' MB')} | |")
    print(f"| empty delta `GET /api/v1/stream?since=` (wrk -c1 median) | < 2 ms | {fmt(delta, ' ms', 2)} | "
          f"{ok(None if delta is None else delta < 2)} |")
    print(f"| empty delta CrowdSec `GET /v1/decisions/stream` (curl) | | {fmt(cs_delta and cs_delta * 1000, ' ms', 1)} | |")
    print(f"| `GET /api/v1/export?format=plain&aggregate=true` | < 2 s | {fmt(export_t, ' s', 2)} | "
          f"{ok(None if export_t is None else export_t < 2)} |")


if __name__ == "__main__":
    main(sys.argv)
