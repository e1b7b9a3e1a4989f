#!/usr/bin/env python3
"""Runs one import of a source and times it (python3 standard library only). Used by bench/import.sh.

  import-run.py --base URL --key ADMIN_KEY --source ID [--log SERVICE_LOG] [--json OUT.json]

POSTs /api/v1/sources/{id}/runs (must answer 202), then polls GET /api/v1/sources/{id}/runs/{run_id} every
--poll seconds until the run's status is no longer "running". The wall-clock time is taken from just before the
POST to the first poll that sees the final status (so it includes at most one poll interval of slack).

With --log (the service's JSON log), the run's own log line is looked up by its run_id (MDC) to split the time:
  fetch_s : started_at -> the start of the apply transaction (download, hashing, parsing, sorting). The run log
            records finished_at with now() inside the apply transaction, i.e. when that transaction began; for an
            unchanged run finished_at is the real end; "-" for a failed run.
  apply_s : the start of the apply transaction -> the "Imported source ..." log line (written right after commit)
  server_s: started_at -> that log line (or finished_at when there is none)
  steps_ms: the step durations the "Imported source" line reports, when the service writes them:
            read (download and parse) / staged / removed / added / committed, in milliseconds, or "-"

Prints one line of space-separated key=value pairs (status, run_id, wall_s, fetch_s, apply_s, server_s,
entries, added, removed, bytes, error_code, started_at) and, with --json, writes the run as the API returned it
plus these figures.
"""

import argparse
import datetime
import json
import re
import sys
import time
import urllib.error
import urllib.request


def request(method, url, key, timeout):
    req = urllib.request.Request(url, method=method, headers={"X-Api-Key": key, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", "replace")[:500]
        return e.code, {"error": body}


def parse_ts(text):
    """ISO-8601 with Z and up to 9 fractional digits -> aware datetime."""
    if text is None:
        return None
    t = text.rstrip("Z")
    if "." in t:
        head, frac = t.split(".", 1)
        t = head + "." + frac[:6].ljust(6, "0")
    return datetime.datetime.fromisoformat(t).replace(tzinfo=datetime.timezone.utc)


STEPS = re.compile(r"downloaded and parsed in (\d+) ms, staged in (\d+) ms, removed in (\d+) ms, "
                   r"added in (\d+) ms, committed in (\d+) ms")


def log_line(path, run_id, wait):
    """The timestamp and message of the run's final log line (Imported / is unchanged / failed), or None."""
    deadline = time.monotonic() + wait
    while True:
        found = None
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    if '"run_id"' not in line:
                        continue
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if str(entry.get("mdc", {}).get("run_id")) != str(run_id):
                        continue
                    message = entry.get("message", "")
                    if message.startswith("Imported source") or message.startswith("Import of source") or (
                            message.startswith("Source ") and " is " in message):
                        found = (parse_ts(entry.get("timestamp")), message)
        except OSError:
            pass
        if found or time.monotonic() > deadline:
            return found or (None, None)
        time.sleep(0.1)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--log")
    parser.add_argument("--json")
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)

    runs = "%s/api/v1/sources/%s/runs" % (args.base, args.source)
    start = time.monotonic()
    code, body = request("POST", runs, args.key, 30)
    if code != 202:
        print("import-run: POST %s answered %s: %s" % (runs, code, body), file=sys.stderr)
        return 1
    run_id = body["run_id"]
    while True:
        code, run = request("GET", "%s/%s" % (runs, run_id), args.key, 30)
        now = time.monotonic()
        if code != 200:
            print("import-run: GET run %s answered %s: %s" % (run_id, code, run), file=sys.stderr)
            return 1
        if run.get("status") != "running":
            break
        if now - start > args.timeout:
            print("import-run: run %s still running after %.0f s" % (run_id, args.timeout), file=sys.stderr)
            return 1
        time.sleep(args.poll)
    wall = now - start

    started = parse_ts(run.get("started_at"))
    finished = parse_ts(run.get("finished_at"))
    logged, message = log_line(args.log, run_id, 3.0) if args.log else (None, None)
    figures = {"status": run.get("status"), "run_id": run_id, "wall_s": "%.3f" % wall}
    if run.get("status") == "success" and started and finished and logged:
        figures["fetch_s"] = "%.3f" % (finished - started).total_seconds()
        figures["apply_s"] = "%.3f" % (logged - finished).total_seconds()
        figures["server_s"] = "%.3f" % (logged - started).total_seconds()
    elif started and finished and run.get("status") in ("unchanged", "not_modified"):
        # finished_at is the real end: nothing was applied.
        figures["fetch_s"] = "%.3f" % (finished - started).total_seconds()
        figures["apply_s"] = "-"
        figures["server_s"] = figures["fetch_s"]
    for k in ("entries", "added", "removed", "bytes", "error_code"):
        v = run.get(k)
        figures[k] = "-" if v is None else str(v)
    steps = STEPS.search(message or "")
    figures["steps_ms"] = "/".join(steps.groups()) if steps else "-"
    figures["started_at"] = run.get("started_at")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"run": run, "figures": figures}, f, indent=2)
            f.write("\n")
    print(" ".join("%s=%s" % kv for kv in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
