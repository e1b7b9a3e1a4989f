package dev.banlist.index;

import java.util.Arrays;

/**
 * The index's decisions as columns of primitives and shared strings, one slot per decision, in pages of 4096
 * slots. Pages are copy-on-write: {@link #freeze} hands out the current pages and only bumps a generation, and the
 * writer copies a page the first time it changes it after that. So a snapshot costs a few hundred references under
 * the lock, and a frozen page never changes under a reader. Not thread-safe: the index guards it.
 */
final class Columns {

    static final int PAGE_BITS = 12;
    static final int PAGE_SIZE = 1 << PAGE_BITS;
    static final int PAGE_MASK = PAGE_SIZE - 1;

    /** meta: the prefix length in bits 0-7, the IPv6 flag in bit 8, the slot holds a decision in bit 9. */
    static final int PREFIX = 0xff;
    static final int IPV6 = 1 << 8;
    static final int LIVE = 1 << 9;
    /** The bits that, with the address, identify a network. */
    static final int NETWORK = IPV6 | PREFIX;

    static final int TYPE = 0;
    static final int ORIGIN = 1;
    static final int JAIL = 2;
    static final int REASON = 3;
    static final int STRINGS = 4;

    static final class Page {
        final long generation;
        final long[] id;
        final long[] hi;
        final long[] lo;
        final long[] created;
        final long[] expires;
        final int[] meta;
        /** Type, origin, jail and reason of slot k at 4k to 4k + 3. */
        final String[] strings;

        Page(long generation) {
            this.generation = generation;
            id = new long[PAGE_SIZE];
            hi = new long[PAGE_SIZE];
            lo = new long[PAGE_SIZE];
            created = new long[PAGE_SIZE];
            expires = new long[PAGE_SIZE];
            meta = new int[PAGE_SIZE];
            strings = new String[PAGE_SIZE * STRINGS];
        }

        Page(long generation, Page from) {
            this.generation = generation;
            id = from.id.clone();
            hi = from.hi.clone();
            lo = from.lo.clone();
            created = from.created.clone();
            expires = from.expires.clone();
            meta = from.meta.clone();
            strings = from.strings.clone();
        }

        String string(int k, int which) {
            return strings[k * STRINGS + which];
        }

        IndexedDecision decision(int k) {
            int m = meta[k];
            return new IndexedDecision(id[k], (m & IPV6) != 0, hi[k], lo[k], m & PREFIX, string(k, TYPE),
                    string(k, ORIGIN), string(k, JAIL), string(k, REASON), created[k], expires[k]);
        }
    }

    private Page[] pages = new Page[4];
    private int pageCount;
    /** Slots ever used: every live slot is below. */
    private int slots;
    /** Per slot, the next decision on the same network (-1: none); for a free slot, the next free slot. */
    private int[] next = new int[PAGE_SIZE];
    private int freeHead = -1;
    private long generation;

    int slots() {
        return slots;
    }

    Page page(int slot) {
        return pages[slot >>> PAGE_BITS];
    }

    /** The page of {@code slot}, copied first when a snapshot still holds it. */
    Page writable(int slot) {
        int p = slot >>> PAGE_BITS;
        Page page = pages[p];
        if (page.generation != generation) {
            page = new Page(generation, page);
            pages[p] = page;
        }
        return page;
    }

    int next(int slot) {
        return next[slot];
    }

    void next(int slot, int value) {
        next[slot] = value;
    }

    /** A free slot (the page it is on is writable). */
    int allocate() {
        int slot;
        if (freeHead >= 0) {
            slot = freeHead;
            freeHead = next[slot];
        } else {
            slot = slots++;
            int p = slot >>> PAGE_BITS;
            if (p == pageCount) {
                if (p == pages.length) {
                    pages = Arrays.copyOf(pages, p * 2);
                }
                pages[pageCount++] = new Page(generation);
            }
            if (slot == next.length) {
                // grows by half a length at a time, in whole pages: the slack stays small at a million slots
                int grown = next.length + Math.max(PAGE_SIZE, (next.length >> 1) & ~PAGE_MASK);
                next = Arrays.copyOf(next, grown);
            }
        }
        next[slot] = -1;
        return slot;
    }

    /** Empties the slot and makes it reusable; the caller has unlinked it and released its strings. */
    void free(int slot) {
        Page page = writable(slot);
        int k = slot & PAGE_MASK;
        page.meta[k] = 0;
        Arrays.fill(page.strings, k * STRINGS, k * STRINGS + STRINGS, null);
        next[slot] = freeHead;
        freeHead = slot;
    }

    /** The current content, frozen: later writes go to copies of the pages. */
    IndexSnapshot freeze() {
        generation++;
        return new IndexSnapshot(Arrays.copyOf(pages, pageCount), slots);
    }
}
