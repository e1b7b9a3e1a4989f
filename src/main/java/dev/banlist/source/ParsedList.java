package dev.banlist.source;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import dev.banlist.net.IpNetwork;
import dev.banlist.net.ProtectedRanges;

/**
 * The distinct networks of a parsed list, held compactly: an IPv4 network is one {@code long} (address and
 * prefix), so a million entries take 8 MB instead of a million objects.
 */
final class ParsedList {

    private long[] v4 = new long[1024];
    private int v4Count;
    private final List<IpNetwork> v6 = new ArrayList<>();
    private boolean sorted;
    private int protectedCount;

    void add(IpNetwork network) {
        sorted = false;
        if (network.ipv6()) {
            v6.add(network);
            return;
        }
        if (v4Count == v4.length) {
            v4 = Arrays.copyOf(v4, v4.length * 2);
        }
        v4[v4Count++] = (network.lo() << 8) | network.prefix();
    }

    /** Entries added so far, duplicates included. */
    int rawSize() {
        return v4Count + v6.size();
    }

    /** Sorts, drops duplicates and entries overlapping protected ranges (counted in {@link #protectedCount}). */
    void finish(ProtectedRanges protectedRanges) {
        Arrays.sort(v4, 0, v4Count);
        int kept = 0;
        for (int i = 0; i < v4Count; i++) {
            if (i > 0 && v4[i] == v4[i - 1]) {
                continue;
            }
            if (protectedRanges.overlaps(v4(v4[i]))) {
                protectedCount++;
            } else {
                v4[kept++] = v4[i];
            }
        }
        v4Count = kept;
        v4 = Arrays.copyOf(v4, Math.max(kept, 1));
        v6.sort(Comparator.comparingLong(IpNetwork::hi).thenComparingLong(IpNetwork::lo)
                .thenComparingInt(IpNetwork::prefix));
        List<IpNetwork> distinct = new ArrayList<>(v6.size());
        IpNetwork previous = null;
        for (IpNetwork n : v6) {
            if (n.equals(previous)) {
                continue;
            }
            previous = n;
            if (protectedRanges.overlaps(n)) {
                protectedCount++;
            } else {
                distinct.add(n);
            }
        }
        v6.clear();
        v6.addAll(distinct);
        sorted = true;
    }

    /** Distinct entries to apply (after {@link #finish}). */
    int size() {
        return v4Count + v6.size();
    }

    int protectedCount() {
        return protectedCount;
    }

    /** Canonical texts of entries {@code from} (inclusive) to {@code to} (exclusive), IPv4 first. */
    String[] texts(int from, int to) {
        if (!sorted) {
            throw new IllegalStateException("finish() first");
        }
        String[] out = new String[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = i < v4Count ? v4(v4[i]).toString() : v6.get(i - v4Count).toString();
        }
        return out;
    }

    private static IpNetwork v4(long packed) {
        return new IpNetwork(false, 0, (packed >>> 8) & 0xffffffffL, (int) (packed & 0xff));
    }
}
