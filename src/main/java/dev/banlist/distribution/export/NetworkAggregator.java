package dev.banlist.distribution.export;

import dev.banlist.net.IpNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Sorting, merging and cutting of export networks.
 *
 * <p>Exports can hold a million networks, so the work happens on primitive arrays: an IPv4 network is packed into
 * one {@code long} (address, prefix and manual flag) and sorted with {@link Arrays#sort(long[])}; IPv6 networks are
 * held in parallel {@code long[]} arrays (high and low 64 bits) and merge-sorted by unsigned comparison. Only the
 * result is turned back into objects. Addresses are 128-bit values as two longs throughout; an IPv4 address is the
 * low long with a zero high long, so one range routine serves both families.
 */
public final class NetworkAggregator {

    /** Export order: IPv4 before IPv6, then by address, then the larger network (shorter prefix) first. */
    public static final Comparator<IpNetwork> NETWORK_ORDER = NetworkAggregator::compare;

    /** {@link #NETWORK_ORDER} applied to entries; the manual flag plays no part. */
    public static final Comparator<ExportEntry> ORDER = (a, b) -> compare(a.network(), b.network());

    private static final int INSERTION_SORT_LENGTH = 24;

    private NetworkAggregator() {
    }

    public static int compare(IpNetwork a, IpNetwork b) {
        if (a.ipv6() != b.ipv6()) {
            return a.ipv6() ? 1 : -1;
        }
        int c = Long.compareUnsigned(a.hi(), b.hi());
        if (c == 0) {
            c = Long.compareUnsigned(a.lo(), b.lo());
        }
        return c != 0 ? c : Integer.compare(a.prefix(), b.prefix());
    }

    /**
     * The minimal set of CIDR networks covering exactly the addresses of {@code entries}: overlapping and adjacent
     * networks are merged and every merged range is cut into the fewest aligned blocks, as FireHOL's
     * {@code iprange} does. Sorted in {@link #ORDER}, IPv4 first. An output network is manual when a manual input
     * network overlaps it.
     */
    public static List<ExportEntry> aggregate(List<ExportEntry> entries) {
        return aggregate(Families.of(entries));
    }

    /** {@link #aggregate(List)} of networks already in primitive arrays, {@link Families#sorted sorted}. */
    static List<ExportEntry> aggregate(Families families) {
        List<ExportEntry> out = new ArrayList<>(Math.max(16, families.size() / 2));
        ManualRanges manual = new ManualRanges();
        long[] v4 = families.v4;
        int n = families.v4Count;
        for (int i = 0; i < n; ) {
            long key = v4[i];
            long start = key >>> 7;
            long end = start + (1L << (32 - v4Prefix(key))) - 1;
            manual.clear();
            if ((key & 1) != 0) {
                manual.add(0, start, 0, end);
            }
            int j = i + 1;
            for (; j < n; j++) {
                long next = v4[j];
                long nextStart = next >>> 7;
                if (nextStart > end + 1) {
                    break;
                }
                long nextEnd = nextStart + (1L << (32 - v4Prefix(next))) - 1;
                if ((next & 1) != 0) {
                    manual.add(0, nextStart, 0, nextEnd);
                }
                end = Math.max(end, nextEnd);
            }
            if (j == i + 1) {
                // a network alone, the usual case: nothing to merge or to cut
                out.add(new ExportEntry(new IpNetwork(false, 0, start, v4Prefix(key)), (key & 1) != 0));
            } else {
                emitRange(false, 0, start, 0, end, manual, false, out);
            }
            i = j;
        }
        long[] hi = families.v6Hi;
        long[] lo = families.v6Lo;
        int[] meta = families.v6Meta;
        int m = families.v6Count;
        for (int i = 0; i < m; ) {
            long startHi = hi[i];
            long startLo = lo[i];
            int prefix = meta[i] >>> 1;
            long endHi = endHi(true, startHi, prefix);
            long endLo = endLo(true, startLo, prefix);
            manual.clear();
            if ((meta[i] & 1) != 0) {
                manual.add(startHi, startLo, endHi, endLo);
            }
            int j = i + 1;
            for (; j < m; j++) {
                if (!touches(hi[j], lo[j], endHi, endLo)) {
                    break;
                }
                int nextPrefix = meta[j] >>> 1;
                long nextEndHi = endHi(true, hi[j], nextPrefix);
                long nextEndLo = endLo(true, lo[j], nextPrefix);
                if ((meta[j] & 1) != 0) {
                    manual.add(hi[j], lo[j], nextEndHi, nextEndLo);
                }
                if (compare128(nextEndHi, nextEndLo, endHi, endLo) > 0) {
                    endHi = nextEndHi;
                    endLo = nextEndLo;
                }
            }
            if (j == i + 1) {
                out.add(new ExportEntry(new IpNetwork(true, startHi, startLo, prefix), (meta[i] & 1) != 0));
            } else {
                emitRange(true, startHi, startLo, endHi, endLo, manual, false, out);
            }
            i = j;
        }
        return out;
    }

    /**
     * The entries in {@link #ORDER} with exact duplicates collapsed (manual if any duplicate is); overlapping
     * networks stay as they are.
     */
    public static List<ExportEntry> sortAndDedupe(List<ExportEntry> entries) {
        return sortAndDedupe(Families.of(entries));
    }

    /** {@link #sortAndDedupe(List)} of networks already in primitive arrays, {@link Families#sorted sorted}. */
    static List<ExportEntry> sortAndDedupe(Families families) {
        List<ExportEntry> out = new ArrayList<>(families.size());
        long[] v4 = families.v4;
        for (int i = 0, n = families.v4Count; i < n; ) {
            long key = v4[i];
            boolean manual = false;
            int j = i;
            // Keys differ only in the manual bit, which sorts the non-manual duplicate first.
            for (; j < n && v4[j] >>> 1 == key >>> 1; j++) {
                manual |= (v4[j] & 1) != 0;
            }
            out.add(new ExportEntry(new IpNetwork(false, 0, key >>> 7, v4Prefix(key)), manual));
            i = j;
        }
        long[] hi = families.v6Hi;
        long[] lo = families.v6Lo;
        int[] meta = families.v6Meta;
        for (int i = 0, n = families.v6Count; i < n; ) {
            boolean manual = false;
            int j = i;
            for (; j < n && hi[j] == hi[i] && lo[j] == lo[i] && meta[j] >>> 1 == meta[i] >>> 1; j++) {
                manual |= (meta[j] & 1) != 0;
            }
            out.add(new ExportEntry(new IpNetwork(true, hi[i], lo[i], meta[i] >>> 1), manual));
            i = j;
        }
        return out;
    }

    /**
     * The entries without the addresses of {@code allowlist}: a network partly allowlisted is replaced by the
     * fewest CIDR networks covering what remains (keeping its manual flag), a network entirely allowlisted is
     * dropped. The result is in {@link #ORDER}; when pieces of overlapping input networks would break that order
     * or repeat a network, it is sorted and deduplicated again. Returns {@code sorted} itself when the allowlist
     * is empty.
     */
    public static List<ExportEntry> subtract(List<ExportEntry> sorted, List<IpNetwork> allowlist) {
        if (allowlist.isEmpty() || sorted.isEmpty()) {
            return sorted;
        }
        Ranges allowV4 = Ranges.merged(allowlist, false);
        Ranges allowV6 = Ranges.merged(allowlist, true);
        List<ExportEntry> out = new ArrayList<>(sorted.size());
        boolean ordered = true;
        ExportEntry previous = null;
        for (ExportEntry entry : sorted) {
            IpNetwork net = entry.network();
            Ranges allow = net.ipv6() ? allowV6 : allowV4;
            long startHi = net.hi();
            long startLo = net.lo();
            long endHi = endHi(net.ipv6(), startHi, net.prefix());
            long endLo = endLo(net.ipv6(), startLo, net.prefix());
            int r = allow.firstEndingAtOrAfter(startHi, startLo);
            int before = out.size();
            if (r == allow.size || compare128(allow.startHi[r], allow.startLo[r], endHi, endLo) > 0) {
                out.add(entry);
            } else {
                long curHi = startHi;
                long curLo = startLo;
                boolean rest = true;
                for (; r < allow.size && compare128(allow.startHi[r], allow.startLo[r], endHi, endLo) <= 0; r++) {
                    if (compare128(allow.startHi[r], allow.startLo[r], curHi, curLo) > 0) {
                        long gapEndLo = allow.startLo[r] - 1;
                        long gapEndHi = allow.startLo[r] == 0 ? allow.startHi[r] - 1 : allow.startHi[r];
                        emitRange(net.ipv6(), curHi, curLo, gapEndHi, gapEndLo, null, entry.manual(), out);
                    }
                    if (compare128(allow.endHi[r], allow.endLo[r], endHi, endLo) >= 0) {
                        rest = false;
                        break;
                    }
                    curLo = allow.endLo[r] + 1;
                    curHi = curLo == 0 ? allow.endHi[r] + 1 : allow.endHi[r];
                }
                if (rest) {
                    emitRange(net.ipv6(), curHi, curLo, endHi, endLo, null, entry.manual(), out);
                }
            }
            for (int i = before; i < out.size() && ordered; i++) {
                ExportEntry current = out.get(i);
                ordered = previous == null || ORDER.compare(previous, current) < 0;
                previous = current;
            }
        }
        return ordered ? out : sortAndDedupe(out);
    }

    // ---- 128-bit helpers (IPv4: high long 0, address in the low long) ----

    static int compare128(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** Whether a range starting at {@code start} overlaps or directly follows one ending at {@code end}. */
    private static boolean touches(long startHi, long startLo, long endHi, long endLo) {
        if (compare128(startHi, startLo, endHi, endLo) <= 0) {
            return true;
        }
        // start > end, so end is not the top address and end + 1 cannot overflow
        long nextLo = endLo + 1;
        long nextHi = nextLo == 0 ? endHi + 1 : endHi;
        return startHi == nextHi && startLo == nextLo;
    }

    static long endHi(boolean ipv6, long hi, int prefix) {
        return !ipv6 || prefix >= 64 ? hi : hi | (-1L >>> prefix);
    }

    static long endLo(boolean ipv6, long lo, int prefix) {
        if (!ipv6) {
            return lo | ((1L << (32 - prefix)) - 1);
        }
        if (prefix == 128) {
            return lo;
        }
        return prefix <= 64 ? -1L : lo | (-1L >>> (prefix - 64));
    }

    private static int v4Prefix(long key) {
        return (int) (key >>> 1) & 63;
    }

    /**
     * Appends the fewest CIDR networks covering {@code [start, end]} (inclusive): repeatedly the largest block
     * that is aligned at the current start and does not pass the end. An appended network is manual when
     * {@code manual} is set or a range of {@code manualRanges} overlaps it.
     */
    private static void emitRange(boolean ipv6, long startHi, long startLo, long endHi, long endLo,
            ManualRanges manualRanges, boolean manual, List<ExportEntry> out) {
        int bits = ipv6 ? 128 : 32;
        if (ipv6 && startHi == 0 && startLo == 0 && endHi == -1 && endLo == -1) {
            // 2^128 addresses: the one count that does not fit in 128 bits
            boolean flag = manual || manualRanges != null && manualRanges.overlaps(0, 0, -1, -1);
            out.add(new ExportEntry(new IpNetwork(true, 0, 0, 0), flag));
            return;
        }
        long countLo = endLo - startLo;
        long countHi = endHi - startHi - (Long.compareUnsigned(endLo, startLo) < 0 ? 1 : 0);
        countLo++;
        if (countLo == 0) {
            countHi++;
        }
        long hi = startHi;
        long lo = startLo;
        while (true) {
            int align = lo != 0 ? Long.numberOfTrailingZeros(lo)
                    : hi != 0 ? 64 + Long.numberOfTrailingZeros(hi) : bits;
            int fits = countHi != 0 ? 127 - Long.numberOfLeadingZeros(countHi)
                    : 63 - Long.numberOfLeadingZeros(countLo);
            int k = Math.min(Math.min(align, fits), bits);
            boolean flag = manual;
            if (!flag && manualRanges != null && manualRanges.size > 0) {
                long blockEndHi = k > 64 ? hi | (-1L >>> (128 - k)) : hi;
                long blockEndLo = k >= 64 ? -1L : lo | ((1L << k) - 1);
                flag = manualRanges.overlaps(hi, lo, blockEndHi, blockEndLo);
            }
            out.add(new ExportEntry(new IpNetwork(ipv6, hi, lo, bits - k), flag));
            if (k >= 64) {
                long step = 1L << (k - 64);
                countHi -= step;
                hi += step;
            } else {
                long step = 1L << k;
                if (Long.compareUnsigned(countLo, step) < 0) {
                    countHi--;
                }
                countLo -= step;
                long nextLo = lo + step;
                if (Long.compareUnsigned(nextLo, lo) < 0) {
                    hi++;
                }
                lo = nextLo;
            }
            if (countHi == 0 && countLo == 0) {
                return;
            }
        }
    }

    // ---- sorting into primitive arrays ----

    /**
     * The networks split by family and sorted. IPv4 key: address in bits 7-38, prefix in bits 1-6, manual in bit 0,
     * so that sorting the keys sorts by address, then prefix. IPv6 meta: prefix shifted left by one, manual in bit 0.
     */
    static final class Families {
        long[] v4;
        int v4Count;
        long[] v6Hi = new long[16];
        long[] v6Lo = new long[16];
        int[] v6Meta = new int[16];
        int v6Count;

        /** Room for {@code v4Capacity} IPv4 networks before a resize. */
        Families(int v4Capacity) {
            v4 = new long[Math.max(16, v4Capacity)];
        }

        static Families of(List<ExportEntry> entries) {
            Families f = new Families(entries.size());
            for (ExportEntry e : entries) {
                IpNetwork net = e.network();
                f.add(net.ipv6(), net.hi(), net.lo(), net.prefix(), e.manual());
            }
            return f.sorted();
        }

        /** Adds a network (host bits zero); {@link #sorted} once all are in. */
        void add(boolean ipv6, long hi, long lo, int prefix, boolean manual) {
            int flag = manual ? 1 : 0;
            if (ipv6) {
                int i = v6Count++;
                if (i == v6Hi.length) {
                    v6Hi = Arrays.copyOf(v6Hi, i * 2);
                    v6Lo = Arrays.copyOf(v6Lo, i * 2);
                    v6Meta = Arrays.copyOf(v6Meta, i * 2);
                }
                v6Hi[i] = hi;
                v6Lo[i] = lo;
                v6Meta[i] = prefix << 1 | flag;
            } else {
                if (v4Count == v4.length) {
                    v4 = Arrays.copyOf(v4, v4Count + (v4Count >> 1));
                }
                v4[v4Count++] = lo << 7 | (long) prefix << 1 | flag;
            }
        }

        Families sorted() {
            Arrays.sort(v4, 0, v4Count);
            sort128(v6Hi, v6Lo, v6Meta, v6Count);
            return this;
        }

        int size() {
            return v4Count + v6Count;
        }
    }

    /** Sorts the parallel arrays by (hi, lo) unsigned, then meta: a merge sort, since Java sorts no such tuples. */
    static void sort128(long[] hi, long[] lo, int[] meta, int n) {
        if (n < 2) {
            return;
        }
        mergeSort(Arrays.copyOf(hi, n), Arrays.copyOf(lo, n), Arrays.copyOf(meta, n), hi, lo, meta, 0, n);
    }

    /** Sorts {@code src[from, to)} into {@code dst[from, to)}; both hold the same elements there on entry. */
    private static void mergeSort(long[] srcHi, long[] srcLo, int[] srcMeta, long[] dstHi, long[] dstLo,
            int[] dstMeta, int from, int to) {
        if (to - from <= INSERTION_SORT_LENGTH) {
            for (int i = from + 1; i < to; i++) {
                long h = dstHi[i];
                long l = dstLo[i];
                int m = dstMeta[i];
                int j = i - 1;
                for (; j >= from && compare(dstHi[j], dstLo[j], dstMeta[j], h, l, m) > 0; j--) {
                    dstHi[j + 1] = dstHi[j];
                    dstLo[j + 1] = dstLo[j];
                    dstMeta[j + 1] = dstMeta[j];
                }
                dstHi[j + 1] = h;
                dstLo[j + 1] = l;
                dstMeta[j + 1] = m;
            }
            return;
        }
        int mid = (from + to) >>> 1;
        mergeSort(dstHi, dstLo, dstMeta, srcHi, srcLo, srcMeta, from, mid);
        mergeSort(dstHi, dstLo, dstMeta, srcHi, srcLo, srcMeta, mid, to);
        if (compare(srcHi[mid - 1], srcLo[mid - 1], srcMeta[mid - 1], srcHi[mid], srcLo[mid], srcMeta[mid]) <= 0) {
            System.arraycopy(srcHi, from, dstHi, from, to - from);
            System.arraycopy(srcLo, from, dstLo, from, to - from);
            System.arraycopy(srcMeta, from, dstMeta, from, to - from);
            return;
        }
        for (int i = from, p = from, q = mid; i < to; i++) {
            if (q >= to || p < mid
                    && compare(srcHi[p], srcLo[p], srcMeta[p], srcHi[q], srcLo[q], srcMeta[q]) <= 0) {
                dstHi[i] = srcHi[p];
                dstLo[i] = srcLo[p];
                dstMeta[i] = srcMeta[p++];
            } else {
                dstHi[i] = srcHi[q];
                dstLo[i] = srcLo[q];
                dstMeta[i] = srcMeta[q++];
            }
        }
    }

    private static int compare(long aHi, long aLo, int aMeta, long bHi, long bLo, int bMeta) {
        int c = Long.compareUnsigned(aHi, bHi);
        if (c == 0) {
            c = Long.compareUnsigned(aLo, bLo);
        }
        return c != 0 ? c : Integer.compare(aMeta, bMeta);
    }

    /** Disjoint, non-adjacent address ranges of one family in ascending order (the merged allowlist). */
    private static final class Ranges {
        long[] startHi;
        long[] startLo;
        long[] endHi;
        long[] endLo;
        int size;

        static Ranges merged(List<IpNetwork> networks, boolean ipv6) {
            int n = 0;
            for (IpNetwork net : networks) {
                if (net.ipv6() == ipv6) {
                    n++;
                }
            }
            long[] hi = new long[n];
            long[] lo = new long[n];
            int[] prefix = new int[n];
            int i = 0;
            for (IpNetwork net : networks) {
                if (net.ipv6() == ipv6) {
                    hi[i] = net.hi();
                    lo[i] = net.lo();
                    prefix[i++] = net.prefix();
                }
            }
            sort128(hi, lo, prefix, n);
            Ranges r = new Ranges();
            r.startHi = new long[n];
            r.startLo = new long[n];
            r.endHi = new long[n];
            r.endLo = new long[n];
            for (i = 0; i < n; i++) {
                long eHi = endHi(ipv6, hi[i], prefix[i]);
                long eLo = endLo(ipv6, lo[i], prefix[i]);
                int last = r.size - 1;
                if (last >= 0 && touches(hi[i], lo[i], r.endHi[last], r.endLo[last])) {
                    if (compare128(eHi, eLo, r.endHi[last], r.endLo[last]) > 0) {
                        r.endHi[last] = eHi;
                        r.endLo[last] = eLo;
                    }
                } else {
                    r.startHi[r.size] = hi[i];
                    r.startLo[r.size] = lo[i];
                    r.endHi[r.size] = eHi;
                    r.endLo[r.size++] = eLo;
                }
            }
            return r;
        }

        /** Index of the first range whose end is at or after {@code address}; {@link #size} if none. */
        int firstEndingAtOrAfter(long hi, long lo) {
            int low = 0;
            int high = size;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (compare128(endHi[mid], endLo[mid], hi, lo) < 0) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }
    }

    /**
     * The union of the manual input networks of one merged range, built from inputs arriving by ascending start,
     * and queried with blocks of ascending address.
     */
    private static final class ManualRanges {
        long[] startHi = new long[8];
        long[] startLo = new long[8];
        long[] endHi = new long[8];
        long[] endLo = new long[8];
        int size;
        int cursor;

        void clear() {
            size = 0;
            cursor = 0;
        }

        void add(long sHi, long sLo, long eHi, long eLo) {
            int last = size - 1;
            if (last >= 0 && compare128(sHi, sLo, endHi[last], endLo[last]) <= 0) {
                if (compare128(eHi, eLo, endHi[last], endLo[last]) > 0) {
                    endHi[last] = eHi;
                    endLo[last] = eLo;
                }
                return;
            }
            if (size == startHi.length) {
                startHi = Arrays.copyOf(startHi, size * 2);
                startLo = Arrays.copyOf(startLo, size * 2);
                endHi = Arrays.copyOf(endHi, size * 2);
                endLo = Arrays.copyOf(endLo, size * 2);
            }
            startHi[size] = sHi;
            startLo[size] = sLo;
            endHi[size] = eHi;
            endLo[size++] = eLo;
        }

        boolean overlaps(long sHi, long sLo, long eHi, long eLo) {
            while (cursor < size && compare128(endHi[cursor], endLo[cursor], sHi, sLo) < 0) {
                cursor++;
            }
            return cursor < size && compare128(startHi[cursor], startLo[cursor], eHi, eLo) <= 0;
        }
    }
}
