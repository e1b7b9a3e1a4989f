#!/usr/bin/env python3
"""Summarises the raw results of bench/run.sh and, with --record, writes them into bench/RESULTS.md.

  report.py --results results.tsv --meta meta.json [--record RESULTS.md]

results.tsv lines (tab-separated), as run.sh writes them:
  bulk     <run> <decisions> <seconds> <decisions_per_s>     (1 client, batches one after the other)
  bulk_c<K> <run> <decisions> <seconds> <decisions_per_s>    (K concurrent clients, e.g. bulk_c2)
  check  <connections> <run> <requests_per_s> <p50_ms> <p90_ms> <p99_ms> <non2xx> <socket_errors>

Prints a markdown section (medians of the runs, every run's raw figures, the targets met or not). With --record
the section replaces the section of RESULTS.md that has the same heading (same date and commit) or is appended,
and the "results pending" placeholder line is removed. Standard library only.
"""

import argparse
import json
import re
import statistics
import sys

TARGET_BULK = 50_000          # decisions/s
TARGET_RPS = 5_000            # requests/s at 64 connections
TARGET_P99_MS = 20.0          # at 64 connections
PLACEHOLDER = "results pending: run bench/run.sh"


def load(path):
    bulk, bulk_concurrent, check = [], {}, {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "bulk":
                bulk.append({"run": int(parts[1]), "decisions": int(parts[2]), "seconds": float(parts[3]),
                             "rate": float(parts[4])})
            elif re.fullmatch(r"bulk_c\d+", parts[0]):
                bulk_concurrent.setdefault(int(parts[0][len("bulk_c"):]), []).append({
                    "run": int(parts[1]), "decisions": int(parts[2]), "seconds": float(parts[3]),
                    "rate": float(parts[4])})
            elif parts[0] == "check":
                check.setdefault(int(parts[1]), []).append({
                    "run": int(parts[2]), "rps": float(parts[3]), "p50": float(parts[4]), "p90": float(parts[5]),
                    "p99": float(parts[6]), "non2xx": int(parts[7]), "socket_errors": int(parts[8])})
    return bulk, bulk_concurrent, check


def verdict(ok):
    return "met" if ok else "**not met**"


def section(meta, bulk, bulk_concurrent, check):
    out = []
    out.append("## %s (commit %s)" % (meta["date"], meta["commit"]))
    out.append("")
    out.append("- Machine: %s cores (%s), %s RAM; %s; %s; %s" % (
        meta["cores"], meta["cpu"], meta["memory"], meta["os"], meta["java"], meta["postgres"]))
    out.append("- Database: PostgreSQL on the same machine (127.0.0.1), pool size %s; service on loopback port %s,"
               " %s Vert.x event loops" % (meta["pool_size"], meta["port"], meta.get("event_loops", "default")))
    out.append("- Data: %s decisions (%s), %s probes (half banned); generator seed %s" % (
        meta["n"], meta["mix"], meta["probes"], meta["seed"]))
    out.append("- Command: `%s`" % meta["command"])
    out.append("- Bulk add: %s batch files of %s POSTed one after the other with curl, on a truncated table; "
               "%s runs%s" % (meta["batches"], meta["batch"], len(bulk),
                              " after one unmeasured warm-up pass" if meta.get("bulk_warmup") == "1" else ""))
    for clients in sorted(bulk_concurrent):
        out.append("- Bulk add, concurrent: the same batch files split round-robin across %d curl clients running "
                   "at the same time, each POSTing its share one after the other, on a truncated table; timed from "
                   "the start of all clients to the end of the last; %d runs (each right after a sequential run)"
                   % (clients, len(bulk_concurrent[clients])))
    out.append("- Check: `wrk -t%s -c<C> -d%s -s bench/check.lua` after a %s warm-up at each C, with all %s "
               "decisions active; %s runs per C" % (meta["threads"], meta["duration"], meta["warmup"], meta["n"],
                                                  meta["runs"]))
    out.append("- Load average when the run started: %s" % meta.get("load", "?"))
    out.append("- Figures are the median of the runs (each column's median on its own).")
    out.append("")
    out.append("| Benchmark | Median | Runs | Target | Result |")
    out.append("|---|---|---|---|---|")
    notes = []
    if bulk:
        med = statistics.median(b["rate"] for b in bulk)
        runs = ", ".join("%.0f" % b["rate"] for b in bulk)
        out.append("| POST %s decisions in batches of %s | %.0f decisions/s | %s | >= %d/s | %s |" % (
            meta["n"], meta["batch"], med, runs, TARGET_BULK, verdict(med >= TARGET_BULK)))
    for clients in sorted(bulk_concurrent):
        rows = bulk_concurrent[clients]
        med = statistics.median(b["rate"] for b in rows)
        runs = ", ".join("%.0f" % b["rate"] for b in rows)
        out.append("| POST %s decisions in batches of %s, %d concurrent clients | %.0f decisions/s | %s | >= %d/s "
                   "| %s |" % (meta["n"], meta["batch"], clients, med, runs, TARGET_BULK,
                               verdict(med >= TARGET_BULK)))
    for conns in sorted(check):
        rows = check[conns]
        rps = statistics.median(r["rps"] for r in rows)
        p50 = statistics.median(r["p50"] for r in rows)
        p90 = statistics.median(r["p90"] for r in rows)
        p99 = statistics.median(r["p99"] for r in rows)
        runs = "; ".join("%.0f/s p99 %.1f ms" % (r["rps"], r["p99"]) for r in rows)
        if conns == 64:
            target = ">= %d/s, p99 < %d ms" % (TARGET_RPS, TARGET_P99_MS)
            result = verdict(rps >= TARGET_RPS and p99 < TARGET_P99_MS)
        else:
            target, result = "-", "-"
        out.append("| GET /api/v1/check, %d connections | %.0f req/s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms "
                   "| %s | %s | %s |" % (conns, rps, p50, p90, p99, runs, target, result))
        errors = sum(r["non2xx"] + r["socket_errors"] for r in rows)
        if errors:
            notes.append("- %d connections: %d non-2xx responses or socket errors over the runs."
                         % (conns, errors))
    if notes:
        out.append("")
        out.extend(notes)
    out.append("")
    return "\n".join(out)


def record(path, text):
    try:
        with open(path) as f:
            current = f.read()
    except FileNotFoundError:
        current = "# Benchmark results\n\n"
    lines = [l for l in current.split("\n") if l.strip() != PLACEHOLDER]
    current = "\n".join(lines)
    heading = text.split("\n", 1)[0]
    # A section runs from its "## " heading to the next "## " heading or the end.
    pattern = re.compile(r"^" + re.escape(heading) + r"\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        current = pattern.sub(lambda _: text + "\n", current, count=1)
    else:
        current = current.rstrip("\n") + "\n\n" + text
    with open(path, "w") as f:
        f.write(current.rstrip("\n") + "\n")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--meta", required=True)
    parser.add_argument("--record", metavar="RESULTS_MD")
    args = parser.parse_args(argv)
    with open(args.meta) as f:
        meta = json.load(f)
    bulk, bulk_concurrent, check = load(args.results)
    text = section(meta, bulk, bulk_concurrent, check)
    print(text)
    if args.record:
        record(args.record, text)
        print("report: recorded in %s" % args.record, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
