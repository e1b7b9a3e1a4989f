package dev.banlist.index;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.banlist.net.IpNetwork;

/**
 * The active decisions in memory, for checks, bouncer lookups and exports without a database round trip.
 *
 * <p>Per address family, one hash table per prefix length that is in use; a lookup masks the address to each
 * such length, longest first, and probes that table: a handful of probes whatever the number of decisions. One
 * writer applies batches under the write lock; readers take the read lock, so a reader never sees half a batch
 * or a table in the middle of a resize.
 */
public final class DecisionIndex {

    private static final int INTERNED_STRINGS = 100_000;
    private static final Comparator<IndexedDecision> MOST_SPECIFIC_FIRST =
            Comparator.comparingInt(IndexedDecision::prefix).reversed().thenComparingLong(IndexedDecision::id);

    /** A decision that is no longer active, located by its network. */
    public record Removal(long id, IpNetwork network) {
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private Tables tables = new Tables();

    private static final class Tables {
        final NetworkTable[] v4 = new NetworkTable[33];
        final NetworkTable[] v6 = new NetworkTable[129];
        final StringInterner strings = new StringInterner(INTERNED_STRINGS);
        /** Prefix lengths in use, longest first. */
        int[] lengthsV4 = new int[0];
        int[] lengthsV6 = new int[0];
        int size;

        NetworkTable table(boolean ipv6, int prefix, boolean create) {
            NetworkTable[] family = ipv6 ? v6 : v4;
            if (family[prefix] == null && create) {
                family[prefix] = new NetworkTable();
                lengths();
            }
            return family[prefix];
        }

        void lengths() {
            lengthsV4 = used(v4);
            lengthsV6 = used(v6);
        }

        private static int[] used(NetworkTable[] family) {
            int n = 0;
            for (NetworkTable t : family) {
                n += t != null && t.decisions() > 0 ? 1 : 0;
            }
            int[] out = new int[n];
            int k = 0;
            for (int p = family.length - 1; p >= 0; p--) {
                if (family[p] != null && family[p].decisions() > 0) {
                    out[k++] = p;
                }
            }
            return out;
        }

        void put(IndexedDecision d) {
            NetworkTable table = table(d.ipv6(), d.prefix(), true);
            int before = table.decisions();
            table.put(d.interned(strings));
            size += table.decisions() - before;
            if (before == 0) {
                lengths();
            }
        }

        void remove(long id, IpNetwork n) {
            NetworkTable table = table(n.ipv6(), n.prefix(), false);
            if (table != null && table.remove(n.hi(), n.lo(), id)) {
                size--;
                if (table.decisions() == 0) {
                    lengths();
                }
            }
        }
    }

    /** Replaces the whole content; readers keep seeing the old content until the new one is complete. */
    public void replaceAll(Iterable<IndexedDecision> all) {
        Tables built = new Tables();
        for (IndexedDecision d : all) {
            built.put(d);
        }
        lock.writeLock().lock();
        try {
            tables = built;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Applies one batch atomically: an upsert replaces the entry with its id (an extension), removals drop theirs. */
    public void apply(Collection<IndexedDecision> upserts, Collection<Removal> removals) {
        lock.writeLock().lock();
        try {
            for (Removal r : removals) {
                tables.remove(r.id(), r.network());
            }
            for (IndexedDecision d : upserts) {
                tables.put(d);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Every decision active at {@code nowMicros} whose network contains {@code address} (an address or a whole
     * network), most specific first, then by id.
     */
    public List<IndexedDecision> covering(IpNetwork address, long nowMicros) {
        List<IndexedDecision> out = null;
        lock.readLock().lock();
        try {
            Tables t = tables;
            NetworkTable[] family = address.ipv6() ? t.v6 : t.v4;
            for (int prefix : address.ipv6() ? t.lengthsV6 : t.lengthsV4) {
                if (prefix > address.prefix()) {
                    continue;
                }
                long hi = address.ipv6() ? address.hi() & highMask(prefix) : 0;
                long lo = address.lo() & (address.ipv6() ? lowMask(prefix) : v4Mask(prefix));
                Object found = family[prefix].get(hi, lo);
                if (found != null) {
                    out = collect(found, nowMicros, out);
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        if (out == null) {
            return List.of();
        }
        if (out.size() > 1) {
            out.sort(MOST_SPECIFIC_FIRST);
        }
        return out;
    }

    private static List<IndexedDecision> collect(Object found, long now, List<IndexedDecision> out) {
        if (found instanceof IndexedDecision one) {
            if (one.activeAt(now)) {
                out = out == null ? new ArrayList<>(2) : out;
                out.add(one);
            }
        } else {
            for (IndexedDecision d : (IndexedDecision[]) found) {
                if (d.activeAt(now)) {
                    out = out == null ? new ArrayList<>(2) : out;
                    out.add(d);
                }
            }
        }
        return out;
    }

    /** Active decisions inside {@code range} (equal or more specific); scans, for rare queries. */
    public List<IndexedDecision> within(IpNetwork range, long nowMicros) {
        List<IndexedDecision> out = new ArrayList<>();
        lock.readLock().lock();
        try {
            NetworkTable[] family = range.ipv6() ? tables.v6 : tables.v4;
            for (int p = range.prefix(); p < family.length; p++) {
                if (family[p] != null) {
                    family[p].forEach(d -> {
                        if (d.activeAt(nowMicros) && range.contains(d.network())) {
                            out.add(d);
                        }
                    });
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        out.sort(MOST_SPECIFIC_FIRST);
        return out;
    }

    /** A copy of every decision active at {@code nowMicros}, consistent with one batch boundary. */
    public IndexedDecision[] snapshot(long nowMicros) {
        List<IndexedDecision> out;
        lock.readLock().lock();
        try {
            Tables t = tables;
            out = new ArrayList<>(t.size);
            for (NetworkTable[] family : List.of(t.v4, t.v6)) {
                for (NetworkTable table : family) {
                    if (table != null) {
                        table.forEach(d -> {
                            if (d.activeAt(nowMicros)) {
                                out.add(d);
                            }
                        });
                    }
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        return out.toArray(IndexedDecision[]::new);
    }

    /** Decisions held, including any past their expiry that the change stream has not removed yet. */
    public int size() {
        lock.readLock().lock();
        try {
            return tables.size;
        } finally {
            lock.readLock().unlock();
        }
    }

    private static long v4Mask(int prefix) {
        return prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
    }

    private static long highMask(int prefix) {
        int bits = Math.min(prefix, 64);
        return bits == 0 ? 0 : -1L << (64 - bits);
    }

    private static long lowMask(int prefix) {
        int bits = Math.max(prefix - 64, 0);
        return bits == 0 ? 0 : -1L << (64 - bits);
    }
}
