package dev.banlist.index;

import java.util.HashMap;
import java.util.Map;

/**
 * Shares equal strings (types, origins, jails, reasons repeat across a million decisions), counting the decisions
 * that hold each one, so that a string whose last decision is gone (an ended origin, an old reason) is forgotten
 * and its room is free again. Bounded: past the limit new strings are kept as they are rather than growing the
 * table without end. Used by the index's single writer.
 */
final class StringInterner {

    private static final class Shared {
        final String value;
        int holders;

        Shared(String value) {
            this.value = value;
        }
    }

    private final Map<String, Shared> strings = new HashMap<>();
    private final int limit;

    StringInterner(int limit) {
        this.limit = limit;
    }

    /** The shared copy of {@code s}, counted as held once more until {@link #release released}. */
    String intern(String s) {
        if (s == null) {
            return null;
        }
        Shared shared = strings.get(s);
        if (shared == null) {
            if (strings.size() >= limit) {
                return s;
            }
            shared = new Shared(s);
            strings.put(s, shared);
        }
        shared.holders++;
        return shared.value;
    }

    /**
     * One holder of {@code s} (a string {@link #intern} returned) let it go. A string kept as it was past the limit
     * is not the shared copy, so releasing it leaves the shared copy's count alone.
     */
    void release(String s) {
        if (s == null) {
            return;
        }
        Shared shared = strings.get(s);
        if (shared != null && shared.value == s && --shared.holders == 0) {
            strings.remove(s);
        }
    }

    /** Distinct strings held. */
    int size() {
        return strings.size();
    }
}
