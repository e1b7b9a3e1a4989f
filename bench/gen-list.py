#!/usr/bin/env python3
"""Deterministic generator of a large blocklist, a changed version of it and check probes (standard library only).

Writes to OUT:
  list-v1.txt    : --n distinct entries, one per line (plain format, a few comment lines at the top)
  list-v2.txt    : the same list with --change of its entries changed: half of that share removed, as many new
                   entries added (so added + removed = --change * --n, and the list keeps --n entries); the kept
                   lines stay in their order, the new ones are spread over the list
  probes.tsv     : "<ip>\\t<true|false>" per line: half are inside an entry of list-v1 (the address itself or an
                   address of a listed network), half are covered by no entry of either version, in random order
  manifest.json  : the parameters, the counts of each kind, and the expected diff (removed, added)

The mix is 85% IPv4 addresses, 5% IPv4 networks (/16-/30), 8% IPv6 addresses and 2% IPv6 networks (/32-/64),
without duplicates, in random order. Every value is canonical (networks have their host bits zero) and outside
the service's default protected ranges: IPv4 values lie in 1.0.0.0-223.255.255.255 without 10/8, 100.64/10,
127/8, 169.254/16, 172.16/12 and 192.168/16 (so also without 0/8, 224/4 and 240/4); IPv6 values lie in the
global unicast blocks 2a00::/12 and 2600::/12. The same --seed always gives the same files.

Example: bench/gen-list.py --n 1000000 --change 0.01 --probes 10000 --out bench/out/import-data
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
V6_BLOCKS = [ipaddress.IPv6Network("2a00::/12"), ipaddress.IPv6Network("2600::/12")]
V4_NET_PREFIXES = range(16, 31)
V6_NET_PREFIXES = range(32, 65)

SHARES = (("v4", 0.85), ("v4net", 0.05), ("v6", 0.08), ("v6net", 0.02))


def v4_mask(prefix):
    return (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF


def v6_mask(prefix):
    return ((1 << 128) - 1) ^ ((1 << (128 - prefix)) - 1)


def v4_public(rng):
    while True:
        ip = rng.randint(V4_MIN, V4_MAX)
        if not any(lo <= ip <= hi for lo, hi in V4_EXCLUDED_RANGES):
            return ip


def v6_global(rng):
    net = V6_BLOCKS[rng.getrandbits(1)]
    return int(net.network_address) | rng.getrandbits(128 - net.prefixlen)


def counts_for(n):
    counts = {kind: int(round(n * share)) for kind, share in SHARES}
    counts["v4"] += n - sum(counts.values())   # rounding remainder goes to the largest kind
    return counts


def make(kind, rng):
    """One random value of the kind, as a hashable key (kind, int, prefix)."""
    if kind == "v4":
        return ("v4", v4_public(rng), 32)
    if kind == "v4net":
        prefix = rng.choice(V4_NET_PREFIXES)
        return ("v4net", v4_public(rng) & v4_mask(prefix), prefix)
    if kind == "v6":
        return ("v6", v6_global(rng), 128)
    prefix = rng.choice(V6_NET_PREFIXES)
    return ("v6net", v6_global(rng) & v6_mask(prefix), prefix)


def text(entry):
    kind, value, prefix = entry
    if kind == "v4":
        return str(ipaddress.IPv4Address(value))
    if kind == "v6":
        return str(ipaddress.IPv6Address(value))
    if kind == "v4net":
        return "%s/%d" % (ipaddress.IPv4Address(value), prefix)
    return "%s/%d" % (ipaddress.IPv6Address(value), prefix)


def generate(counts, seen, rng):
    """Distinct new entries of each kind in the given counts (none in `seen`, which is updated), shuffled."""
    out = []
    for kind, count in counts.items():
        made = 0
        while made < count:
            e = make(kind, rng)
            if e in seen:
                continue
            seen.add(e)
            out.append(e)
            made += 1
    rng.shuffle(out)
    return out


class Coverage:
    """Answers "is this address in some entry?" without a scan."""

    def __init__(self, entries):
        self.hosts = set()
        self.nets = set()
        for kind, value, prefix in entries:
            if kind in ("v4", "v6"):
                self.hosts.add((kind, value))
            else:
                self.nets.add((kind, value, prefix))

    def covers(self, kind, ip):
        if (kind, ip) in self.hosts:
            return True
        if kind == "v4":
            return any(("v4net", ip & v4_mask(p), p) in self.nets for p in V4_NET_PREFIXES)
        return any(("v6net", ip & v6_mask(p), p) in self.nets for p in V6_NET_PREFIXES)


def probes_for(v1, coverage, count, rng):
    probes = []
    for _ in range(count // 2):
        kind, value, prefix = rng.choice(v1)
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
        kind = "v4" if rng.random() < v4_share else "v6"
        ip = v4_public(rng) if kind == "v4" else v6_global(rng)
        if coverage.covers(kind, ip) or (kind, ip) in seen:
            continue
        seen.add((kind, ip))
        probes.append((str(ipaddress.IPv4Address(ip) if kind == "v4" else ipaddress.IPv6Address(ip)), False))
    rng.shuffle(probes)
    return probes


def write_list(path, header, entries):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for line in header:
            f.write("# %s\n" % line)
        f.write("\n".join(text(e) for e in entries))
        f.write("\n")
    os.replace(tmp, path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000, help="entries of the list (default 1000000)")
    parser.add_argument("--change", type=float, default=0.01,
                        help="share of entries changed in list-v2: half removed, as many added (default 0.01)")
    parser.add_argument("--probes", type=int, default=10_000, help="number of check probes (default 10000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--out", required=True, help="output directory (created)")
    args = parser.parse_args(argv)
    if args.n < 2 or args.probes < 2 or not 0 <= args.change <= 1:
        parser.error("--n and --probes must be at least 2, --change within 0-1")

    rng = random.Random(args.seed)
    counts = counts_for(args.n)
    seen = set()
    v1 = generate(counts, seen, rng)

    # list-v2: remove `half` entries (a random sample, all kinds alike) and add as many new ones in the same mix.
    half = int(round(args.n * args.change / 2))
    removed_idx = set(rng.sample(range(len(v1)), half))
    new = generate(counts_for(half) if half else {}, seen, rng)
    kept = [e for i, e in enumerate(v1) if i not in removed_idx]
    positions = sorted(rng.sample(range(len(kept) + len(new)), len(new)))
    v2, ki, ni = [], 0, 0
    for pos in range(len(kept) + len(new)):
        if ni < len(positions) and positions[ni] == pos:
            v2.append(new[ni])
            ni += 1
        else:
            v2.append(kept[ki])
            ki += 1

    probes = probes_for(v1, Coverage(v1 + new), args.probes, rng)

    os.makedirs(args.out, exist_ok=True)
    header = ["banlist benchmark list, seed %d" % args.seed, "generated by bench/gen-list.py"]
    write_list(os.path.join(args.out, "list-v1.txt"), header + ["version 1: %d entries" % len(v1)], v1)
    write_list(os.path.join(args.out, "list-v2.txt"), header + [
        "version 2: %d entries, %d removed and %d added relative to version 1" % (len(v2), half, len(new))], v2)
    with open(os.path.join(args.out, "probes.tsv"), "w") as f:
        for ip, banned in probes:
            f.write("%s\t%s\n" % (ip, "true" if banned else "false"))
    manifest = {"n": args.n, "change": args.change, "seed": args.seed, "counts": counts,
                "v2_entries": len(v2), "v2_removed": half, "v2_added": len(new),
                "bytes_v1": os.path.getsize(os.path.join(args.out, "list-v1.txt")),
                "bytes_v2": os.path.getsize(os.path.join(args.out, "list-v2.txt")),
                "probes": len(probes), "probes_banned": sum(1 for _, b in probes if b)}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("gen-list: %d entries (%s); version 2 removes %d and adds %d; %d probes; seed %d" % (
        len(v1), ", ".join("%s %d" % kv for kv in counts.items()), half, len(new), len(probes), args.seed),
        file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
