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
 * <p>The decisions are held in {@link Columns}: primitive columns and shared strings, about 60 bytes per decision
 * and no object of its own. One hash table maps each network to its decisions; a lookup masks the address to each
 * prefix length in use, longest first, and probes: a handful of probes whatever the number of decisions. One
 * writer applies batches under the write lock; readers take the read lock, so a reader never sees half a batch
 * or a table in the middle of a resize. Bulk readers take a {@link #frozen} snapshot instead, which holds the lock
 * only while a few hundred page references are copied.
 */
public final class DecisionIndex {

    private static final int INTERNED_STRINGS = 100_000;
    private static final Comparator<IndexedDecision> MOST_SPECIFIC_FIRST =
            Comparator.comparingInt(IndexedDecision::prefix).reversed().thenComparingLong(IndexedDecision::id);

    /** A decision that is no longer active, located by its network. */
    public record Removal(long id, IpNetwork network) {
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private State state = new State();

    private static final class State {
        final Columns columns = new Columns();
        final NetworkTable table = new NetworkTable(columns);
        final StringInterner strings = new StringInterner(INTERNED_STRINGS);
        final int[] countV4 = new int[33];
        final int[] countV6 = new int[129];
        /** Prefix lengths in use, longest first. */
        int[] lengthsV4 = new int[0];
        int[] lengthsV6 = new int[0];
        int size;
        /** The snapshot of the current content, while nothing changed since it was taken. */
        IndexSnapshot frozen;

        void count(boolean ipv6, int prefix, int delta) {
            int[] counts = ipv6 ? countV6 : countV4;
            counts[prefix] += delta;
            if (counts[prefix] == 0 || counts[prefix] == delta) {
                lengthsV4 = used(countV4);
                lengthsV6 = used(countV6);
            }
        }

        private static int[] used(int[] counts) {
            int n = 0;
            for (int c : counts) {
                n += c > 0 ? 1 : 0;
            }
            int[] out = new int[n];
            int k = 0;
            for (int p = counts.length - 1; p >= 0; p--) {
                if (counts[p] > 0) {
                    out[k++] = p;
                }
            }
            return out;
        }

        void put(IndexedDecision d) {
            frozen = null;
            int network = (d.ipv6() ? Columns.IPV6 : 0) | d.prefix();
            int position = table.position(network, d.hi(), d.lo());
            int head = table.head(position);
            for (int s = head; s >= 0; s = columns.next(s)) {
                Columns.Page page = columns.page(s);
                int k = s & Columns.PAGE_MASK;
                if (page.id[k] == d.id()) {
                    page = columns.writable(s);
                    release(page, k);
                    write(page, k, d);
                    return;
                }
            }
            if (head < 0 && !table.ensureRoom()) {
                position = table.position(network, d.hi(), d.lo());
            }
            int slot = columns.allocate();
            Columns.Page page = columns.writable(slot);
            int k = slot & Columns.PAGE_MASK;
            page.id[k] = d.id();
            page.hi[k] = d.hi();
            page.lo[k] = d.lo();
            page.meta[k] = Columns.LIVE | network;
            write(page, k, d);
            if (head < 0) {
                table.insert(position, slot);
            } else {
                columns.next(slot, head);
                table.setHead(position, slot);
            }
            size++;
            count(d.ipv6(), d.prefix(), 1);
        }

        private void write(Columns.Page page, int k, IndexedDecision d) {
            page.created[k] = d.createdAtMicros();
            page.expires[k] = d.expiresAtMicros();
            int at = k * Columns.STRINGS;
            page.strings[at + Columns.TYPE] = strings.intern(d.type());
            page.strings[at + Columns.ORIGIN] = strings.intern(d.origin());
            page.strings[at + Columns.JAIL] = strings.intern(d.jail());
            page.strings[at + Columns.REASON] = strings.intern(d.reason());
        }

        private void release(Columns.Page page, int k) {
            for (int i = k * Columns.STRINGS; i < k * Columns.STRINGS + Columns.STRINGS; i++) {
                strings.release(page.strings[i]);
            }
        }

        void remove(long id, IpNetwork n) {
            int network = (n.ipv6() ? Columns.IPV6 : 0) | n.prefix();
            int position = table.position(network, n.hi(), n.lo());
            int previous = -1;
            for (int s = table.head(position); s >= 0; previous = s, s = columns.next(s)) {
                Columns.Page page = columns.page(s);
                int k = s & Columns.PAGE_MASK;
                if (page.id[k] != id) {
                    continue;
                }
                frozen = null;
                int after = columns.next(s);
                if (previous >= 0) {
                    columns.next(previous, after);
                } else if (after >= 0) {
                    table.setHead(position, after);
                } else {
                    table.delete(position);
                }
                release(page, k);
                columns.free(s);
                size--;
                count(n.ipv6(), n.prefix(), -1);
                return;
            }
        }

        IndexSnapshot frozen() {
            if (frozen == null) {
                frozen = columns.freeze();
            }
            return frozen;
        }
    }

    /** Replaces the whole content; readers keep seeing the old content until the new one is complete. */
    public void replaceAll(Iterable<IndexedDecision> all) {
        State built = new State();
        for (IndexedDecision d : all) {
            built.put(d);
        }
        lock.writeLock().lock();
        try {
            state = built;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Applies one batch atomically: an upsert replaces the entry with its id (an extension), removals drop theirs. */
    public void apply(Collection<IndexedDecision> upserts, Collection<Removal> removals) {
        lock.writeLock().lock();
        try {
            for (Removal r : removals) {
                state.remove(r.id(), r.network());
            }
            for (IndexedDecision d : upserts) {
                state.put(d);
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
            State t = state;
            boolean ipv6 = address.ipv6();
            int family = ipv6 ? Columns.IPV6 : 0;
            for (int prefix : ipv6 ? t.lengthsV6 : t.lengthsV4) {
                if (prefix > address.prefix()) {
                    continue;
                }
                long hi = ipv6 ? address.hi() & highMask(prefix) : 0;
                long lo = address.lo() & (ipv6 ? lowMask(prefix) : v4Mask(prefix));
                for (int s = t.table.find(family | prefix, hi, lo); s >= 0; s = t.columns.next(s)) {
                    Columns.Page page = t.columns.page(s);
                    int k = s & Columns.PAGE_MASK;
                    if (page.expires[k] > nowMicros) {
                        out = out == null ? new ArrayList<>(2) : out;
                        out.add(page.decision(k));
                    }
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

    /** Active decisions inside {@code range} (equal or more specific); scans, for rare queries. */
    public List<IndexedDecision> within(IpNetwork range, long nowMicros) {
        List<IndexedDecision> out = new ArrayList<>();
        boolean ipv6 = range.ipv6();
        int rangePrefix = range.prefix();
        long maskHi = ipv6 ? highMask(rangePrefix) : 0;
        long maskLo = ipv6 ? lowMask(rangePrefix) : v4Mask(rangePrefix);
        lock.readLock().lock();
        try {
            Columns columns = state.columns;
            for (int s = 0; s < columns.slots(); s++) {
                Columns.Page page = columns.page(s);
                int k = s & Columns.PAGE_MASK;
                int meta = page.meta[k];
                if ((meta & Columns.LIVE) != 0 && ((meta & Columns.IPV6) != 0) == ipv6
                        && (meta & Columns.PREFIX) >= rangePrefix && page.expires[k] > nowMicros
                        && (page.hi[k] & maskHi) == range.hi() && (page.lo[k] & maskLo) == range.lo()) {
                    out.add(page.decision(k));
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        out.sort(MOST_SPECIFIC_FIRST);
        return out;
    }

    /**
     * The current content, frozen (see {@link IndexSnapshot}): the write lock is held only to hand out the page
     * references, and while nothing changes every caller shares the same snapshot.
     */
    public IndexSnapshot frozen() {
        lock.readLock().lock();
        try {
            IndexSnapshot frozen = state.frozen;
            if (frozen != null) {
                return frozen;
            }
        } finally {
            lock.readLock().unlock();
        }
        lock.writeLock().lock();
        try {
            return state.frozen();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** A copy of every decision active at {@code nowMicros}, consistent with one batch boundary. */
    public IndexedDecision[] snapshot(long nowMicros) {
        IndexSnapshot frozen = frozen();
        List<IndexedDecision> out = new ArrayList<>(frozen.slots());
        frozen.forEach(nowMicros, out::add);
        return out.toArray(IndexedDecision[]::new);
    }

    /** Decisions held, including any past their expiry that the change stream has not removed yet. */
    public int size() {
        lock.readLock().lock();
        try {
            return state.size;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Distinct strings shared by the decisions held (for tests: the interner forgets what no decision holds). */
    int internedStrings() {
        lock.readLock().lock();
        try {
            return state.strings.size();
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
