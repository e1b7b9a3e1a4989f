#!/usr/bin/env python3
"""Deterministic generator of benchmark decisions and check probes (python3 standard library only).

Writes to OUT:
  batch-001.json ... : JSON arrays of at most --batch decisions each, ready to POST to /api/v1/decisions
  probes.tsv         : one probe per line, "<ip>\\t<true|false>": the address and whether it is expected banned
                       (half are inside a generated decision, half are covered by none), in random order
  manifest.json      : the parameters and the counts of each kind

The mix (of --n) is 70% IPv4 addresses, 10% IPv4 networks (/16-/30), 15% IPv6 addresses and 5% IPv6 networks
(/32-/64), with no duplicate values, shuffled so that every batch holds all kinds. IPv4 values are public-looking
(1.0.0.0-223.255.255.255 without 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16); IPv6 addresses are
under 2001:db8::/32 and 2a00::/12, IPv6 networks under 2a00::/12. Networks have their host bits zero. The same
--seed always gives the same files.

Example: bench/gen-decisions.py --n 100000 --batch 10000 --probes 10000 --out /tmp/banlist-bench-data
"""

import argparse
import ipaddress
import json
import os
import random
import sys

V4_MIN = int(ipaddress.IPv4Address("1.0.0.0"))
V4_MAX = int(ipaddress.IPv4Address("223.255.255.255"))
# Every excluded block has a prefix of at most 16, so a network of prefix >= 16 whose first address is outside
# them lies wholly outside them.
V4_EXCLUDED = [ipaddress.IPv4Network(n) for n in
               ("10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16")]
V4_EXCLUDED_RANGES = [(int(n.network_address), int(n.broadcast_address)) for n in V4_EXCLUDED]
V6_DOC = ipaddress.IPv6Network("2001:db8::/32")
V6_2A00 = ipaddress.IPv6Network("2a00::/12")
V4_NET_PREFIXES = range(16, 31)
V6_NET_PREFIXES = range(32, 65)

SHARES = (("v4", 0.70), ("v4net", 0.10), ("v6", 0.15), ("v6net", 0.05))


def v4_mask(prefix):
    return (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF


def v6_mask(prefix):
    return ((1 << 128) - 1) ^ ((1 << (128 - prefix)) - 1)


def v4_public(rng):
    while True:
        ip = rng.randint(V4_MIN, V4_MAX)
        if not any(lo <= ip <= hi for lo, hi in V4_EXCLUDED_RANGES):
            return ip


def v6_in(rng, net):
    return int(net.network_address) | rng.getrandbits(128 - net.prefixlen)


class Dataset:
    """The generated values, indexed for "is this address covered?" without a scan."""

    def __init__(self):
        self.v4 = set()            # host addresses (int)
        self.v6 = set()
        self.v4net = set()         # (network int, prefix)
        self.v6net = set()
        self.entries = []          # (kind, int, prefix) in generation order

    def add(self, kind, value, prefix):
        target = {"v4": self.v4, "v6": self.v6, "v4net": self.v4net, "v6net": self.v6net}[kind]
        key = value if kind in ("v4", "v6") else (value, prefix)
        if key in target:
            return False
        target.add(key)
        self.entries.append((kind, value, prefix))
        return True

    def covers_v4(self, ip):
        if ip in self.v4:
            return True
        return any((ip & v4_mask(p), p) in self.v4net for p in V4_NET_PREFIXES)

    def covers_v6(self, ip):
        if ip in self.v6:
            return True
        return any((ip & v6_mask(p), p) in self.v6net for p in V6_NET_PREFIXES)


def counts_for(n):
    counts = {kind: int(round(n * share)) for kind, share in SHARES}
    counts["v4"] += n - sum(counts.values())   # rounding remainder goes to the largest kind
    return counts


def generate(n, rng):
    data = Dataset()
    counts = counts_for(n)
    for kind, count in counts.items():
        made = 0
        while made < count:
            if kind == "v4":
                ok = data.add(kind, v4_public(rng), 32)
            elif kind == "v4net":
                prefix = rng.choice(V4_NET_PREFIXES)
                ok = data.add(kind, v4_public(rng) & v4_mask(prefix), prefix)
            elif kind == "v6":
                ok = data.add(kind, v6_in(rng, V6_DOC if rng.random() < 0.5 else V6_2A00), 128)
            else:
                prefix = rng.choice(V6_NET_PREFIXES)
                ok = data.add(kind, v6_in(rng, V6_2A00) & v6_mask(prefix), prefix)
            made += ok
    return data, counts


def value_text(kind, value, prefix):
    if kind == "v4":
        return str(ipaddress.IPv4Address(value))
    if kind == "v6":
        return str(ipaddress.IPv6Address(value))
    if kind == "v4net":
        return str(ipaddress.IPv4Network((value, prefix)))
    return str(ipaddress.IPv6Network((value, prefix)))


def probes_for(data, count, rng):
    """Half inside a decision (the address itself, or a random address of the network), half covered by none."""
    probes = []
    banned = count // 2
    for _ in range(banned):
        kind, value, prefix = rng.choice(data.entries)
        if kind == "v4":
            probes.append((str(ipaddress.IPv4Address(value)), True))
        elif kind == "v6":
            probes.append((str(ipaddress.IPv6Address(value)), True))
        elif kind == "v4net":
            probes.append((str(ipaddress.IPv4Address(value | rng.getrandbits(32 - prefix))), True))
        else:
            probes.append((str(ipaddress.IPv6Address(value | rng.getrandbits(128 - prefix))), True))
    v4_share = sum(share for kind, share in SHARES if kind.startswith("v4"))
    seen = set()
    while len(probes) < count:
        if rng.random() < v4_share:
            ip = v4_public(rng)
            if data.covers_v4(ip) or ("v4", ip) in seen:
                continue
            seen.add(("v4", ip))
            probes.append((str(ipaddress.IPv4Address(ip)), False))
        else:
            ip = v6_in(rng, V6_DOC if rng.random() < 0.5 else V6_2A00)
            if data.covers_v6(ip) or ("v6", ip) in seen:
                continue
            seen.add(("v6", ip))
            probes.append((str(ipaddress.IPv6Address(ip)), False))
    rng.shuffle(probes)
    return probes


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="number of decisions (default 100000)")
    parser.add_argument("--batch", type=int, default=10_000, help="decisions per batch file (default 10000)")
    parser.add_argument("--probes", type=int, default=10_000, help="number of check probes (default 10000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--duration", default="4h", help="duration of every decision (default 4h)")
    parser.add_argument("--origin", default="bench", help="origin of every decision (default bench)")
    parser.add_argument("--reason", default="benchmark", help="reason of every decision (default benchmark)")
    parser.add_argument("--out", required=True, help="output directory (created; old batch files removed)")
    args = parser.parse_args(argv)
    if args.n < 1 or args.batch < 1 or args.probes < 2:
        parser.error("--n and --batch must be at least 1, --probes at least 2")

    rng = random.Random(args.seed)
    data, counts = generate(args.n, rng)
    entries = list(data.entries)
    rng.shuffle(entries)
    probes = probes_for(data, args.probes, rng)

    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):
        if name.startswith("batch-") and name.endswith(".json"):
            os.remove(os.path.join(args.out, name))
    batches = 0
    for start in range(0, len(entries), args.batch):
        batches += 1
        body = [{"value": value_text(*e), "duration": args.duration, "reason": args.reason, "origin": args.origin}
                for e in entries[start:start + args.batch]]
        with open(os.path.join(args.out, "batch-%03d.json" % batches), "w") as f:
            json.dump(body, f, separators=(",", ":"))
    with open(os.path.join(args.out, "probes.tsv"), "w") as f:
        for ip, banned in probes:
            f.write("%s\t%s\n" % (ip, "true" if banned else "false"))
    manifest = {"n": args.n, "batch": args.batch, "batches": batches, "seed": args.seed,
                "duration": args.duration, "counts": counts, "probes": len(probes),
                "probes_banned": sum(1 for _, b in probes if b)}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("gen-decisions: %d decisions in %d batch files (%s), %d probes, seed %d" % (
        args.n, batches, ", ".join("%s %d" % kv for kv in counts.items()), len(probes), args.seed),
        file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
