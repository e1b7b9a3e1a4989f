package dev.banlist.index;

import java.util.HashMap;
import java.util.Map;

/**
 * Shares equal strings (types, origins, jails, reasons repeat across a million decisions). Bounded: past the limit
 * new strings are kept as they are rather than growing the table without end. Used by the index's single writer.
 */
final class StringInterner {

    private final Map<String, String> strings = new HashMap<>();
    private final int limit;

    StringInterner(int limit) {
        this.limit = limit;
    }

    String intern(String s) {
        if (s == null) {
            return null;
        }
        String shared = strings.get(s);
        if (shared != null) {
            return shared;
        }
        if (strings.size() < limit) {
            strings.put(s, s);
        }
        return s;
    }
}
