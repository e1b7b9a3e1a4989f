package dev.banlist.index;

import java.util.function.Consumer;

/**
 * An open-addressing hash table from one network (two longs: the address; IPv4 uses only {@code lo}) to the
 * decisions on exactly that network: an {@link IndexedDecision}, or an array of them when several share it.
 * Linear probing with backward-shift deletion, so no tombstones pile up. Not thread-safe: the index guards it.
 */
final class NetworkTable {

    private static final float LOAD = 0.6f;

    private long[] his;
    private long[] los;
    private Object[] values;
    private int networks;
    private int decisions;

    NetworkTable() {
        allocate(16);
    }

    private void allocate(int capacity) {
        his = new long[capacity];
        los = new long[capacity];
        values = new Object[capacity];
    }

    int decisions() {
        return decisions;
    }

    private static int hash(long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L + lo;
        h ^= h >>> 32;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 29));
    }

    private int slot(long hi, long lo) {
        int mask = values.length - 1;
        int i = hash(hi, lo) & mask;
        while (values[i] != null && (his[i] != hi || los[i] != lo)) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** The decisions on this network: null, one {@link IndexedDecision} or an array. */
    Object get(long hi, long lo) {
        return values[slot(hi, lo)];
    }

    /** Adds the decision, or replaces the one with the same id on this network. */
    void put(IndexedDecision d) {
        if ((networks + 1) > values.length * LOAD) {
            resize(values.length * 2);
        }
        int i = slot(d.hi(), d.lo());
        Object current = values[i];
        if (current == null) {
            his[i] = d.hi();
            los[i] = d.lo();
            values[i] = d;
            networks++;
            decisions++;
        } else if (current instanceof IndexedDecision one) {
            if (one.id() == d.id()) {
                values[i] = d;
            } else {
                values[i] = new IndexedDecision[] { one, d };
                decisions++;
            }
        } else {
            IndexedDecision[] many = (IndexedDecision[]) current;
            for (int k = 0; k < many.length; k++) {
                if (many[k].id() == d.id()) {
                    IndexedDecision[] copy = many.clone();
                    copy[k] = d;
                    values[i] = copy;
                    return;
                }
            }
            IndexedDecision[] grown = java.util.Arrays.copyOf(many, many.length + 1);
            grown[many.length] = d;
            values[i] = grown;
            decisions++;
        }
    }

    /** Removes the decision with this id from this network; false when it is not there. */
    boolean remove(long hi, long lo, long id) {
        int i = slot(hi, lo);
        Object current = values[i];
        if (current == null) {
            return false;
        }
        if (current instanceof IndexedDecision one) {
            if (one.id() != id) {
                return false;
            }
            delete(i);
            decisions--;
            return true;
        }
        IndexedDecision[] many = (IndexedDecision[]) current;
        for (int k = 0; k < many.length; k++) {
            if (many[k].id() == id) {
                if (many.length == 2) {
                    values[i] = many[1 - k];
                } else {
                    IndexedDecision[] shrunk = new IndexedDecision[many.length - 1];
                    System.arraycopy(many, 0, shrunk, 0, k);
                    System.arraycopy(many, k + 1, shrunk, k, many.length - k - 1);
                    values[i] = shrunk;
                }
                decisions--;
                return true;
            }
        }
        return false;
    }

    /** Backward-shift deletion: moves later entries of the probe run into the gap so lookups still find them. */
    private void delete(int gap) {
        int mask = values.length - 1;
        values[gap] = null;
        networks--;
        int i = (gap + 1) & mask;
        while (values[i] != null) {
            int home = hash(his[i], los[i]) & mask;
            // The entry at i may move into the gap if its home is not in the cyclic range (gap, i].
            boolean movable = gap <= i ? (home <= gap || home > i) : (home <= gap && home > i);
            if (movable) {
                his[gap] = his[i];
                los[gap] = los[i];
                values[gap] = values[i];
                values[i] = null;
                gap = i;
            }
            i = (i + 1) & mask;
        }
    }

    private void resize(int capacity) {
        long[] oldHis = his;
        long[] oldLos = los;
        Object[] oldValues = values;
        allocate(capacity);
        for (int k = 0; k < oldValues.length; k++) {
            if (oldValues[k] != null) {
                int i = slot(oldHis[k], oldLos[k]);
                his[i] = oldHis[k];
                los[i] = oldLos[k];
                values[i] = oldValues[k];
            }
        }
    }

    void forEach(Consumer<IndexedDecision> action) {
        for (Object value : values) {
            if (value instanceof IndexedDecision one) {
                action.accept(one);
            } else if (value != null) {
                for (IndexedDecision d : (IndexedDecision[]) value) {
                    action.accept(d);
                }
            }
        }
    }
}
