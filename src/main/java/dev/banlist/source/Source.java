package dev.banlist.source;

import java.time.Instant;
import java.util.Map;

/**
 * A blocklist source as the API shows it. {@code status}: {@code pending} (never run), {@code ok},
 * {@code degraded} (last run failed, entries kept, retried with backoff), {@code gone} (the upstream answered
 * 404/410 twice in a row: no longer scheduled, entries kept), {@code deleting}.
 */
public record Source(long id, String name, String url, String format, String interval, boolean enabled,
        String banDuration, String jail, int maxEntries, Map<String, String> labels, String status, int entries,
        String etag, Instant lastSuccessAt, Instant nextRunAt, RunSummary lastRun, Instant createdAt,
        Instant updatedAt) {

    /** The latest run, as far as a source listing needs it. */
    public record RunSummary(long id, String status, Instant startedAt, Instant finishedAt, String errorCode,
            String message) {
    }
}
