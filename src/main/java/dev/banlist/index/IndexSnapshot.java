package dev.banlist.index;

import java.util.function.Consumer;

/**
 * The index's decisions at one batch boundary, frozen: taken in microseconds and never changed afterwards, so
 * bulk readers (exports, snapshots) walk it without a lock and without a copy of their own. Slots are numbered
 * from 0 to {@link #slots()}; a slot may be empty or hold a decision past its expiry, hence {@link #activeAt}.
 * The accessors read the columns directly, so a walk allocates nothing per decision.
 */
public final class IndexSnapshot {

    private final Columns.Page[] pages;
    private final int slots;

    IndexSnapshot(Columns.Page[] pages, int slots) {
        this.pages = pages;
        this.slots = slots;
    }

    public int slots() {
        return slots;
    }

    private Columns.Page page(int slot) {
        return pages[slot >>> Columns.PAGE_BITS];
    }

    private static int k(int slot) {
        return slot & Columns.PAGE_MASK;
    }

    /** Whether the slot holds a decision active at {@code nowMicros}. */
    public boolean activeAt(int slot, long nowMicros) {
        Columns.Page p = page(slot);
        int k = k(slot);
        return (p.meta[k] & Columns.LIVE) != 0 && p.expires[k] > nowMicros;
    }

    public boolean ipv6(int slot) {
        return (page(slot).meta[k(slot)] & Columns.IPV6) != 0;
    }

    public long hi(int slot) {
        return page(slot).hi[k(slot)];
    }

    public long lo(int slot) {
        return page(slot).lo[k(slot)];
    }

    public int prefix(int slot) {
        return page(slot).meta[k(slot)] & Columns.PREFIX;
    }

    public String type(int slot) {
        return page(slot).string(k(slot), Columns.TYPE);
    }

    public String origin(int slot) {
        return page(slot).string(k(slot), Columns.ORIGIN);
    }

    public long expiresAtMicros(int slot) {
        return page(slot).expires[k(slot)];
    }

    /** The decision in the slot as a record (one allocation). */
    public IndexedDecision decision(int slot) {
        return page(slot).decision(k(slot));
    }

    /** Decisions active at {@code nowMicros}. */
    public int count(long nowMicros) {
        int n = 0;
        for (int s = 0; s < slots; s++) {
            n += activeAt(s, nowMicros) ? 1 : 0;
        }
        return n;
    }

    /** Every decision active at {@code nowMicros}, in slot order. */
    public void forEach(long nowMicros, Consumer<IndexedDecision> action) {
        for (int s = 0; s < slots; s++) {
            if (activeAt(s, nowMicros)) {
                action.accept(decision(s));
            }
        }
    }
}
