package dev.banlist.source;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

import dev.banlist.net.IpNetwork;
import dev.banlist.net.ProtectedRanges;
import dev.banlist.source.ImportFailure.Code;

/**
 * The distinct networks of a list, deduplicated as they are added and held in primitive open-addressing tables: an
 * IPv4 network is one {@code long} (address and prefix), an IPv6 network two {@code long}s and a byte. Memory is
 * bounded by the source's {@code max_entries}, never by the length of the body: a body of a million copies of one
 * line holds one entry, and the entry past {@code max_entries} fails the run at once.
 */
final class ParsedList {

    private static final long EMPTY_V4 = -1L; // no packed network has all bits set (the prefix byte is at most 32)
    private static final int INITIAL_SLOTS = 256;

    private final int maxEntries;
    /** Hashes are seeded per list, so that a list crafted to collide cannot make the tables quadratic. */
    private final long seed = ThreadLocalRandom.current().nextLong();

    private long[] v4 = newV4Table(INITIAL_SLOTS);
    private int v4Count;
    private long[] v6Hi = new long[INITIAL_SLOTS];
    private long[] v6Lo = new long[INITIAL_SLOTS];
    /** Prefix length plus one; 0 marks a free slot. */
    private byte[] v6Prefix = new byte[INITIAL_SLOTS];
    private int v6Count;

    private boolean finished;
    private int protectedCount;

    ParsedList(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /**
     * Adds a network unless the list already holds it.
     *
     * @throws ImportFailure {@code TOO_MANY_ENTRIES} when the distinct entries (protected ones included) pass
     *         {@code max_entries}: the caller stops reading the body
     */
    void add(IpNetwork network) {
        if (finished) {
            throw new IllegalStateException("finished");
        }
        boolean added = network.ipv6() ? addV6(network.hi(), network.lo(), network.prefix())
                : addV4((network.lo() << 8) | network.prefix());
        if (added && v4Count + v6Count > maxEntries) {
            throw new ImportFailure(Code.TOO_MANY_ENTRIES, "The list has more than " + maxEntries
                    + " distinct entries, the source's max_entries; stopped reading it, nothing was applied", 200, null);
        }
    }

    /** Distinct entries so far (before {@link #finish}), or distinct entries to apply (after). */
    int size() {
        return v4Count + v6Count;
    }

    /**
     * Drops the entries overlapping protected ranges (counted in {@link #protectedCount}) and packs the rest at
     * the start of the tables, IPv4 sorted; no entry can be added after.
     */
    void finish(ProtectedRanges protectedRanges) {
        finished = true;
        int kept = 0;
        for (long packed : v4) {
            if (packed != EMPTY_V4) {
                v4[kept++] = packed;
            }
        }
        Arrays.sort(v4, 0, kept);
        v4Count = 0;
        for (int i = 0; i < kept; i++) {
            if (protectedRanges.overlaps(v4(v4[i]))) {
                protectedCount++;
            } else {
                v4[v4Count++] = v4[i];
            }
        }
        kept = 0;
        for (int i = 0; i < v6Prefix.length; i++) {
            if (v6Prefix[i] == 0) {
                continue;
            }
            if (protectedRanges.overlaps(v6(i))) {
                protectedCount++;
                continue;
            }
            v6Hi[kept] = v6Hi[i];
            v6Lo[kept] = v6Lo[i];
            v6Prefix[kept] = v6Prefix[i];
            kept++;
        }
        v6Count = kept;
    }

    int protectedCount() {
        return protectedCount;
    }

    /** Bytes held by the tables: bounded by {@code max_entries}, whatever the body's length. */
    long tableBytes() {
        return 8L * v4.length + 17L * v6Prefix.length;
    }

    /** Canonical texts of entries {@code from} (inclusive) to {@code to} (exclusive), IPv4 first. */
    String[] texts(int from, int to) {
        if (!finished) {
            throw new IllegalStateException("finish() first");
        }
        String[] out = new String[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = i < v4Count ? v4(v4[i]).toString() : v6(i - v4Count).toString();
        }
        return out;
    }

    private boolean addV4(long packed) {
        int mask = v4.length - 1;
        for (int slot = slot(mix(packed ^ seed), mask); ; slot = (slot + 1) & mask) {
            long present = v4[slot];
            if (present == packed) {
                return false;
            }
            if (present == EMPTY_V4) {
                v4[slot] = packed;
                if (++v4Count > v4.length * 3L / 4) {
                    growV4();
                }
                return true;
            }
        }
    }

    private void growV4() {
        long[] old = v4;
        v4 = newV4Table(old.length * 2);
        int mask = v4.length - 1;
        for (long packed : old) {
            if (packed != EMPTY_V4) {
                int slot = slot(mix(packed ^ seed), mask);
                while (v4[slot] != EMPTY_V4) {
                    slot = (slot + 1) & mask;
                }
                v4[slot] = packed;
            }
        }
    }

    private boolean addV6(long hi, long lo, int prefix) {
        byte tag = (byte) (prefix + 1);
        int mask = v6Prefix.length - 1;
        for (int slot = slot(hashV6(hi, lo, tag), mask); ; slot = (slot + 1) & mask) {
            byte present = v6Prefix[slot];
            if (present == 0) {
                v6Hi[slot] = hi;
                v6Lo[slot] = lo;
                v6Prefix[slot] = tag;
                if (++v6Count > v6Prefix.length * 3L / 4) {
                    growV6();
                }
                return true;
            }
            if (present == tag && v6Hi[slot] == hi && v6Lo[slot] == lo) {
                return false;
            }
        }
    }

    private void growV6() {
        long[] oldHi = v6Hi;
        long[] oldLo = v6Lo;
        byte[] oldPrefix = v6Prefix;
        int slots = oldPrefix.length * 2;
        v6Hi = new long[slots];
        v6Lo = new long[slots];
        v6Prefix = new byte[slots];
        int mask = slots - 1;
        for (int i = 0; i < oldPrefix.length; i++) {
            if (oldPrefix[i] != 0) {
                int slot = slot(hashV6(oldHi[i], oldLo[i], oldPrefix[i]), mask);
                while (v6Prefix[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                v6Hi[slot] = oldHi[i];
                v6Lo[slot] = oldLo[i];
                v6Prefix[slot] = oldPrefix[i];
            }
        }
    }

    private long hashV6(long hi, long lo, byte tag) {
        return mix(hi ^ mix(lo ^ seed) + tag);
    }

    private static int slot(long hash, int mask) {
        return (int) hash & mask;
    }

    /** MurmurHash3's 64-bit finaliser. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    private static long[] newV4Table(int slots) {
        long[] table = new long[slots];
        Arrays.fill(table, EMPTY_V4);
        return table;
    }

    private static IpNetwork v4(long packed) {
        return new IpNetwork(false, 0, (packed >>> 8) & 0xffffffffL, (int) (packed & 0xff));
    }

    private IpNetwork v6(int slot) {
        return new IpNetwork(true, v6Hi[slot], v6Lo[slot], (v6Prefix[slot] & 0xff) - 1);
    }
}
