package dev.banlist.source;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

import dev.banlist.net.IpNetwork;
import dev.banlist.net.ProtectedRanges;
import dev.banlist.source.ImportFailure.Code;

/**
 * The distinct networks of a list, deduplicated as they are added and held in primitive arrays: an IPv4 network
 * is one {@code long} (address and prefix), an IPv6 network two {@code long}s and a byte, in the order they came;
 * an open-addressing table of their positions finds duplicates and is dropped by {@link #finish}. Memory is
 * bounded by the source's {@code max_entries}, never by the length of the body: a body of a million copies of one
 * line holds one entry, and the entry past {@code max_entries} fails the run at once.
 */
final class ParsedList {

    private static final int INITIAL_CAPACITY = 256;

    private final int maxEntries;
    /** Hashes are seeded per list, so that a list crafted to collide cannot make the lookups quadratic. */
    private final long seed = ThreadLocalRandom.current().nextLong();

    private long[] v4 = new long[INITIAL_CAPACITY];
    private int v4Count;
    /** Position + 1 of each IPv4 entry by hash; 0 is a free slot. Null after {@link #finish}. */
    private int[] v4Slots = new int[2 * INITIAL_CAPACITY];

    private long[] v6Hi = new long[INITIAL_CAPACITY];
    private long[] v6Lo = new long[INITIAL_CAPACITY];
    private byte[] v6Prefix = new byte[INITIAL_CAPACITY];
    private int v6Count;
    private int[] v6Slots = new int[2 * INITIAL_CAPACITY];

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
        if (v4Slots == null) {
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
     * Drops the lookup tables and the entries overlapping protected ranges (counted in {@link #protectedCount}),
     * and sorts the IPv4 entries; no entry can be added after.
     */
    void finish(ProtectedRanges protectedRanges) {
        v4Slots = null;
        v6Slots = null;
        Arrays.sort(v4, 0, v4Count);
        int kept = 0;
        for (int i = 0; i < v4Count; i++) {
            if (protectedRanges.overlaps(v4(v4[i]))) {
                protectedCount++;
            } else {
                v4[kept++] = v4[i];
            }
        }
        v4Count = kept;
        kept = 0;
        for (int i = 0; i < v6Count; i++) {
            if (protectedRanges.overlaps(v6(i))) {
                protectedCount++;
            } else {
                v6Hi[kept] = v6Hi[i];
                v6Lo[kept] = v6Lo[i];
                v6Prefix[kept] = v6Prefix[i];
                kept++;
            }
        }
        v6Count = kept;
    }

    int protectedCount() {
        return protectedCount;
    }

    /** Bytes held by the arrays: bounded by {@code max_entries}, whatever the body's length. */
    long heldBytes() {
        return 8L * v4.length + 17L * v6Prefix.length
                + 4L * ((v4Slots == null ? 0 : v4Slots.length) + (v6Slots == null ? 0 : v6Slots.length));
    }

    /** Canonical texts of entries {@code from} (inclusive) to {@code to} (exclusive), IPv4 first. */
    String[] texts(int from, int to) {
        if (v4Slots != null) {
            throw new IllegalStateException("finish() first");
        }
        String[] out = new String[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = i < v4Count ? v4(v4[i]).toString() : v6(i - v4Count).toString();
        }
        return out;
    }

    private boolean addV4(long packed) {
        int mask = v4Slots.length - 1;
        int slot = slot(mix(packed ^ seed), mask);
        for (int at; (at = v4Slots[slot]) != 0; slot = (slot + 1) & mask) {
            if (v4[at - 1] == packed) {
                return false;
            }
        }
        if (v4Count == v4.length) {
            v4 = Arrays.copyOf(v4, grown(v4.length));
        }
        v4[v4Count++] = packed;
        v4Slots[slot] = v4Count;
        if (v4Count > v4Slots.length / 2) {
            v4Slots = new int[v4Slots.length * 2];
            for (int i = 0; i < v4Count; i++) {
                v4Slots[free(v4Slots, mix(v4[i] ^ seed))] = i + 1;
            }
        }
        return true;
    }

    private boolean addV6(long hi, long lo, int prefix) {
        byte tag = (byte) prefix;
        int mask = v6Slots.length - 1;
        int slot = slot(hashV6(hi, lo, tag), mask);
        for (int at; (at = v6Slots[slot]) != 0; slot = (slot + 1) & mask) {
            if (v6Hi[at - 1] == hi && v6Lo[at - 1] == lo && v6Prefix[at - 1] == tag) {
                return false;
            }
        }
        if (v6Count == v6Prefix.length) {
            int capacity = grown(v6Prefix.length);
            v6Hi = Arrays.copyOf(v6Hi, capacity);
            v6Lo = Arrays.copyOf(v6Lo, capacity);
            v6Prefix = Arrays.copyOf(v6Prefix, capacity);
        }
        v6Hi[v6Count] = hi;
        v6Lo[v6Count] = lo;
        v6Prefix[v6Count] = tag;
        v6Count++;
        v6Slots[slot] = v6Count;
        if (v6Count > v6Slots.length / 2) {
            v6Slots = new int[v6Slots.length * 2];
            for (int i = 0; i < v6Count; i++) {
                v6Slots[free(v6Slots, hashV6(v6Hi[i], v6Lo[i], v6Prefix[i]))] = i + 1;
            }
        }
        return true;
    }

    /** Half again: a doubling would hold twice the entries for a moment. */
    private static int grown(int capacity) {
        return capacity + (capacity >> 1);
    }

    private static int free(int[] slots, long hash) {
        int mask = slots.length - 1;
        int slot = slot(hash, mask);
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private long hashV6(long hi, long lo, byte prefix) {
        return mix(hi ^ (mix(lo ^ seed) + prefix));
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

    private static IpNetwork v4(long packed) {
        return new IpNetwork(false, 0, (packed >>> 8) & 0xffffffffL, (int) (packed & 0xff));
    }

    private IpNetwork v6(int i) {
        return new IpNetwork(true, v6Hi[i], v6Lo[i], v6Prefix[i] & 0xff);
    }
}
