package dev.banlist.index;

/**
 * An open-addressing hash table from a network (family, prefix length, address) to the first slot of the
 * decisions on exactly that network in {@link Columns}; the others follow through {@link Columns#next}. The table
 * holds only ints (slot + 1, 0 for empty): the key is read from the slot's columns. Linear probing with
 * backward-shift deletion, so no tombstones pile up. Not thread-safe: the index guards it.
 */
final class NetworkTable {

    private static final float LOAD = 0.6f;

    private final Columns columns;
    private int[] heads = new int[16];
    private int networks;

    NetworkTable(Columns columns) {
        this.columns = columns;
    }

    int networks() {
        return networks;
    }

    static int hash(int network, long hi, long lo) {
        long h = (hi * 0x9E3779B97F4A7C15L + lo) * 0x9E3779B97F4A7C15L + network;
        h ^= h >>> 32;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 29));
    }

    private int hashOf(int slot) {
        Columns.Page page = columns.page(slot);
        int k = slot & Columns.PAGE_MASK;
        return hash(page.meta[k] & Columns.NETWORK, page.hi[k], page.lo[k]);
    }

    /**
     * The position of the network: where its head is, or the empty position where it would go. {@code network} is
     * the meta bits of {@link Columns#NETWORK}.
     */
    int position(int network, long hi, long lo) {
        int mask = heads.length - 1;
        int i = hash(network, hi, lo) & mask;
        while (true) {
            int h = heads[i];
            if (h == 0) {
                return i;
            }
            Columns.Page page = columns.page(h - 1);
            int k = (h - 1) & Columns.PAGE_MASK;
            if (page.lo[k] == lo && page.hi[k] == hi && (page.meta[k] & Columns.NETWORK) == network) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /** The first slot of the network at {@code position}; -1 when the position is empty. */
    int head(int position) {
        return heads[position] - 1;
    }

    /** The first slot on the network, or -1. */
    int find(int network, long hi, long lo) {
        return head(position(network, hi, lo));
    }

    void setHead(int position, int slot) {
        heads[position] = slot + 1;
    }

    /**
     * Whether one more network fits without a resize; when not, grows the table (positions taken before are then
     * void).
     */
    boolean ensureRoom() {
        if (networks + 1 <= heads.length * LOAD) {
            return true;
        }
        int[] old = heads;
        heads = new int[old.length * 2];
        int mask = heads.length - 1;
        for (int h : old) {
            if (h != 0) {
                int i = hashOf(h - 1) & mask;
                while (heads[i] != 0) {
                    i = (i + 1) & mask;
                }
                heads[i] = h;
            }
        }
        return false;
    }

    /** Puts a new network's first slot at its empty {@code position}, taken after {@link #ensureRoom}. */
    void insert(int position, int slot) {
        heads[position] = slot + 1;
        networks++;
    }

    /** Backward-shift deletion: moves later entries of the probe run into the gap so lookups still find them. */
    void delete(int gap) {
        int mask = heads.length - 1;
        heads[gap] = 0;
        networks--;
        int i = (gap + 1) & mask;
        while (heads[i] != 0) {
            int home = hashOf(heads[i] - 1) & mask;
            // The entry at i may move into the gap if its home is not in the cyclic range (gap, i].
            boolean movable = gap <= i ? (home <= gap || home > i) : (home <= gap && home > i);
            if (movable) {
                heads[gap] = heads[i];
                heads[i] = 0;
                gap = i;
            }
            i = (i + 1) & mask;
        }
    }
}
