package dev.banlist.source;

import java.time.Duration;
import java.util.Map;

/**
 * The writable settings of a source, validated.
 *
 * @param banDuration how long an entry the list drops stays banned; null: unbanned at once ({@code until_removed})
 */
record SourceSpec(String name, String url, SourceFormat format, Duration interval, boolean enabled,
        Duration banDuration, String jail, int maxEntries, Map<String, String> labels) {

    String origin() {
        return "list:" + name;
    }
}
