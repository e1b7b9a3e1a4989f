#!/usr/bin/env python3
"""Summarises the raw results of bench/import.sh and, with --record, writes them into bench/RESULTS.md.

  import-report.py --results results.tsv --meta meta.json [--record RESULTS.md]

results.tsv lines (tab-separated), as import.sh writes them:
  import <run> <kind> <status> <wall_s> <fetch_s> <apply_s> <entries> <added> <removed> <rows_created>
         <rows_changed> <active> <wal_bytes> <load1> <error_code> [<steps_ms>]
         kind: first, same, changed (nothing else running), first_loaded (under the check load)
         steps_ms: read/staged/removed/added/committed as the service logs them, or "-"
  check  <run> <phase> <requests_per_s> <p50_ms> <p90_ms> <p99_ms> <non2xx> <socket_errors>
         phase: idle_empty (before the import, empty table), import (during first_loaded), idle_full (after it,
         list applied; "idle" in older results)
  memory <run> <part> <peak_rss_kb> <heap_before_gc_max_mib> <heap_after_gc_max_mib> <oom_lines>

Prints a markdown section (medians of the runs, every run's figures, the targets met or not). With --record the
section replaces the section of RESULTS.md that has the same heading or is appended (see report.py).
Standard library only.
"""

import argparse
import json
import os
import statistics
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import record  # noqa: E402  (same directory)

TARGET_FIRST_S = 15.0
TARGET_SAME_S = 1.0
TARGET_CHANGED_S = 5.0


def num(text):
    try:
        return float(text)
    except ValueError:
        return None


def load(path):
    imports, checks, memory = [], [], []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "import":
                imports.append({"run": int(p[1]), "kind": p[2], "status": p[3], "wall": float(p[4]),
                                "fetch": num(p[5]), "apply": num(p[6]), "entries": p[7], "added": p[8],
                                "removed": p[9], "created": int(p[10]), "changed": int(p[11]),
                                "active": int(p[12]), "wal": num(p[13]), "load": p[14], "error": p[15],
                                "steps": p[16] if len(p) > 16 else "-"})
            elif p[0] == "check":
                checks.append({"run": int(p[1]), "phase": "idle_full" if p[2] == "idle" else p[2],
                               "rps": float(p[3]), "p50": float(p[4]),
                               "p90": float(p[5]), "p99": float(p[6]), "non2xx": int(p[7]),
                               "socket_errors": int(p[8])})
            elif p[0] == "memory":
                memory.append({"run": int(p[1]), "part": p[2], "rss_kb": int(p[3]), "heap_before": int(p[4]),
                               "heap_after": int(p[5]), "oom": int(p[6])})
    return imports, checks, memory


def verdict(ok):
    return "met" if ok else "**not met**"


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, pattern="%.2f"):
    return "-" if v is None else pattern % v


def mib(n):
    return n / 1048576


def section(meta, imports, checks, memory):
    data = meta["data"]
    n = data["n"]
    expected = data["v2_added"] + data["v2_removed"]
    by = {}
    for i in imports:
        by.setdefault(i["kind"], []).append(i)
    out = []
    out.append("## Import of a %s-entry list: %s (commit %s)" % ("{:,}".format(n), meta["date"], meta["commit"]))
    out.append("")
    out.append("- Machine: %s cores (%s), %s RAM; %s; %s; %s (%s)" % (
        meta["cores"], meta["cpu"], meta["memory"], meta["os"], meta["java"], meta["postgres"],
        meta["pg_settings"]))
    out.append("- Service: `java -Xmx%s%s -jar quarkus-run.jar` (max heap %s MiB as the JVM reports it), %s Vert.x "
               "event loops, pool size %s; PostgreSQL on the same machine (127.0.0.1); a fresh database and a "
               "freshly started service for each part of each run" % (
                   meta["xmx"], (" " + meta["java_opts"]) if meta.get("java_opts") else "", meta["max_heap_mib"],
                   meta["event_loops"], meta["pool_size"]))
    c = data["counts"]
    out.append("- Data: %d entries in plain format, %.1f MB (%d IPv4 addresses, %d IPv4 networks /16-/30, %d IPv6 "
               "addresses, %d IPv6 networks /32-/64), served by `bench/serve-list.py` on loopback without ETag or "
               "Last-Modified; the changed version removes %d and adds %d entries (%d = %.1f%% changed); "
               "generator seed %s" % (n, data["bytes_v1"] / 1e6, c["v4"], c["v4net"], c["v6"], c["v6net"],
                                      data["v2_removed"], data["v2_added"], expected, 100.0 * expected / n,
                                      data["seed"]))
    out.append("- Command: `%s`" % meta["command"])
    out.append("- Timed from the POST of the run to the first poll (every 50 ms) that sees it finished; fetch+parse "
               "is the run's started_at to the start of the apply transaction, apply from there to the service's "
               "\"Imported source\" log line")
    paced = meta.get("check_delay_ms")
    out.append("- Check load (part B, its own fresh database and service): `%swrk -t%s -c%s -s bench/check.lua` "
               "with an enforcer key and %s probes (half of them in the list), %safter a %s warm-up: idle for %s on the "
               "empty table, during the first import (from 2 s before the POST until the run finished), and idle "
               "for %s after it with the list applied (`VACUUM ANALYZE decisions` first; skipped when the import "
               "failed)" % ("CHECK_DELAY_MS=%s " % paced if paced else "", meta["threads"], meta["connections"],
                            data["probes"],
                            "each connection pausing %s ms before each request (at most %.0f requests/s), " % (
                                paced, int(meta["connections"]) * 1000.0 / int(paced)) if paced
                            else "as fast as the machine serves them, ",
                            meta["warmup"], meta["duration"], meta["duration"]))
    out.append("- Load average when the benchmark started: %s (the 1-minute load at each import is in the table "
               "of runs)" % meta.get("load", "?"))
    out.append("- Figures are the median of the %d runs." % len(by.get("first", [])))
    out.append("")
    out.append("| Measurement | Median | Runs | Target | Result |")
    out.append("|---|---|---|---|---|")

    def walls(rows):
        return ", ".join("%.2f s%s" % (r["wall"], "" if r["status"] in ("success", "unchanged") else
                                       " (%s %s)" % (r["status"], r["error"])) for r in rows)

    first = by.get("first", [])
    if first:
        m = med(r["wall"] for r in first)
        ok = all(r["status"] == "success" for r in first) and m <= TARGET_FIRST_S
        out.append("| First import, %s entries | %.2f s (fetch+parse %s s, apply %s s) | %s | <= %.0f s | %s |" % (
            "{:,}".format(n), m, fmt(med(r["fetch"] for r in first)), fmt(med(r["apply"] for r in first)),
            walls(first), TARGET_FIRST_S, verdict(ok)))
    same = by.get("same", [])
    if same:
        m = med(r["wall"] for r in same)
        ok = all(r["status"] == "unchanged" and r["created"] == 0 and r["changed"] == 0 for r in same) \
            and m <= TARGET_SAME_S
        out.append("| Same content again (status %s; rows written %s) | %.2f s | %s | <= %.0f s | %s |" % (
            "/".join(sorted({r["status"] for r in same})), "/".join(sorted({str(r["created"] + r["changed"])
                                                                             for r in same})),
            m, walls(same), TARGET_SAME_S, verdict(ok)))
    changed = by.get("changed", [])
    if changed:
        ok_rows = [r for r in changed if r["status"] == "success"]
        m = med(r["wall"] for r in changed)
        written = sorted({r["created"] + r["changed"] for r in changed})
        only = all(r["status"] == "success" and r["created"] == int(r["added"]) and r["changed"] == int(r["removed"])
                   and r["created"] + r["changed"] == expected for r in changed)
        ok = only and m <= TARGET_CHANGED_S
        detail = "added/removed %s; rows written %s of %d expected" % (
            ", ".join(sorted({"%s/%s" % (r["added"], r["removed"]) for r in changed})),
            "/".join(str(w) for w in written), expected)
        if ok_rows:
            detail = "%.2f s (fetch+parse %s s, apply %s s); %s" % (
                m, fmt(med(r["fetch"] for r in ok_rows)), fmt(med(r["apply"] for r in ok_rows)), detail)
        else:
            detail = "%.2f s; %s" % (m, detail)
        out.append("| Version with %.1f%% changed | %s | %s | <= %.0f s, writing only the changed rows | %s |" % (
            100.0 * expected / n, detail, walls(changed), TARGET_CHANGED_S, verdict(ok)))
    loaded = by.get("first_loaded", [])
    if loaded:
        m = med(r["wall"] for r in loaded)
        out.append("| First import while wrk drives the check | %.2f s (fetch+parse %s s, apply %s s) | %s | - | - |"
                   % (m, fmt(med(r["fetch"] for r in loaded)), fmt(med(r["apply"] for r in loaded)), walls(loaded)))
    for phase, label in (("idle_empty", "idle, empty table"), ("import", "during the first import"),
                         ("idle_full", "idle, list applied")):
        rows = [c for c in checks if c["phase"] == phase]
        if phase == "idle_full":
            # Only runs whose import under load succeeded have the list applied.
            ok_runs = {r["run"] for r in loaded if r["status"] == "success"}
            rows = [c for c in rows if c["run"] in ok_runs]
        if not rows:
            continue
        out.append("| GET /api/v1/check, %s connections, %s | %.0f req/s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms "
                   "| %s | %s | %s |" % (
                       meta["connections"], label, med(r["rps"] for r in rows), med(r["p50"] for r in rows),
                       med(r["p90"] for r in rows), med(r["p99"] for r in rows),
                       "; ".join("%.0f/s p99 %.1f ms" % (r["rps"], r["p99"]) for r in rows),
                       "p99 reported (during vs idle)" if phase == "import" else "-", "-"))
    if memory:
        oom = sum(r["oom"] for r in memory)
        # Met when no OutOfMemoryError was logged and every first import of part A succeeded (a run under check
        # load can also fail on the statement timeout, which is no memory matter).
        imported = [r for r in imports if r["kind"] == "first"]
        if imported:
            ok = oom == 0 and all(r["status"] == "success" for r in imported)
        else:  # part B only: its imports may also end on the statement timeout
            ok = oom == 0 and any(r["status"] == "success" for r in imports)
        out.append("| Memory with -Xmx%s | peak RSS %.0f MiB; heap at most %d MiB before / %d MiB after a GC; "
                   "OutOfMemoryError: %d | %s | the %s-entry import succeeds with -Xmx256m | %s |" % (
                       meta["xmx"], med(r["rss_kb"] / 1024 for r in memory),
                       max(r["heap_before"] for r in memory), max(r["heap_after"] for r in memory), oom,
                       "; ".join("%s%d: RSS %.0f MiB, heap %d/%d MiB" % (r["part"].upper(), r["run"],
                                                                          r["rss_kb"] / 1024, r["heap_before"],
                                                                          r["heap_after"]) for r in memory),
                       "{:,}".format(n), verdict(ok)))
    errors = sum(c["non2xx"] + c["socket_errors"] for c in checks)
    out.append("")
    if errors:
        out.append("Check load: %d non-2xx responses or socket errors over the runs." % errors)
        out.append("")

    out.append("Every run (wall time; fetch+parse / apply; the steps the service logs, in ms: read (download, "
               "parse, sort) / staged / removed / added / committed; 1-minute load average when the import "
               "started; WAL written during the import):")
    out.append("")
    out.append("| Run | Import | Status | Wall | Fetch+parse / apply | Steps (ms) | Added / removed "
               "| Rows created / changed | WAL | Load |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(imports, key=lambda r: (r["run"], ["first", "same", "changed", "first_loaded"].index(r["kind"])
                                            if r["kind"] in ("first", "same", "changed", "first_loaded") else 9)):
        out.append("| %d | %s | %s%s | %.2f s | %s / %s s | %s | %s / %s | %d / %d | %s | %s |" % (
            r["run"], r["kind"].replace("_", " "), r["status"], (" " + r["error"]) if r["error"] != "-" else "",
            r["wall"], fmt(r["fetch"]), fmt(r["apply"]), r["steps"], r["added"], r["removed"], r["created"],
            r["changed"],
            "-" if r["wal"] is None else "%.0f MB" % (r["wal"] / 1e6), r["load"]))
    out.append("")
    return "\n".join(out)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--meta", required=True)
    parser.add_argument("--record", metavar="RESULTS_MD")
    args = parser.parse_args(argv)
    with open(args.meta) as f:
        meta = json.load(f)
    imports, checks, memory = load(args.results)
    text = section(meta, imports, checks, memory)
    print(text)
    if args.record:
        record(args.record, text)
        print("import-report: recorded in %s" % args.record, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
