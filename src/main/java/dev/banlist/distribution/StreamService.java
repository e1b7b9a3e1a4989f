package dev.banlist.distribution;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.changes.ChangeCursor;
import dev.banlist.changes.ChangeLog;
import dev.banlist.config.BanlistConfig;
import dev.banlist.decision.Decision;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.index.IndexSynchronizer;

/**
 * Deltas of the change stream, with long polling. A long poll is answered from the changes the index has just
 * applied whenever its cursor allows, and waits for the index rather than for each notification: however many
 * clients wait, a change costs one database read (the index's). A poll without {@code wait}, and a cursor memory
 * cannot place, read the database.
 */
@ApplicationScoped
public class StreamService {

    /** Over-limit long polls are told to come back after 1 to this many seconds, spread so they do not return together. */
    private static final int MAX_RETRY_AFTER_SECONDS = 5;

    private final ChangeLog changeLog;
    private final IndexSynchronizer index;
    private final BanlistConfig.Distribution config;
    private final Counter databaseReads;

    StreamService(ChangeLog changeLog, IndexSynchronizer index, BanlistConfig config, MeterRegistry registry) {
        this.changeLog = changeLog;
        this.index = index;
        this.config = config.distribution();
        this.databaseReads = Counter.builder("banlist.stream.database.reads")
                .description("Stream deltas read from the database rather than from the index's recent changes")
                .register(registry);
    }

    /**
     * The changes after {@code since}. With nothing to send and a wait, waits for the index to learn a change (or
     * the wait to pass) and looks again, so the answer leaves as soon as a change reaches this replica.
     */
    public Uni<ChangeLog.Delta> delta(ChangeCursor since, int limit, Duration wait) {
        if (wait.isZero()) {
            return read(since, limit);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        return delta(since, limit, deadline);
    }

    private Uni<ChangeLog.Delta> delta(ChangeCursor since, int limit, long deadline) {
        long seen = index.version();
        ChangeLog.Delta known = index.recentDelta(since, limit);
        return (known != null ? Uni.createFrom().item(known) : read(since, limit)).chain(delta -> {
            long left = deadline - System.nanoTime();
            if (!isEmpty(delta) || left <= 0) {
                return Uni.createFrom().item(delta);
            }
            if (index.waiting() >= config.maxWaiters()) {
                int retryAfter = 1 + ThreadLocalRandom.current().nextInt(MAX_RETRY_AFTER_SECONDS);
                return Uni.createFrom().failure(new ApiException(ErrorCode.TOO_MANY_WAITERS,
                        "Too many long polls are waiting on this replica; retry after the Retry-After delay.",
                        Map.of("retry_after_seconds", retryAfter)));
            }
            return index.awaitVersion(seen, Duration.ofNanos(left))
                    .chain(() -> delta(delta.next(), limit, deadline));
        });
    }

    private Uni<ChangeLog.Delta> read(ChangeCursor since, int limit) {
        databaseReads.increment();
        return changeLog.delta("stream.delta", since, limit, d -> true);
    }

    private static boolean isEmpty(ChangeLog.Delta delta) {
        return delta.added().isEmpty() && delta.deleted().isEmpty() && !delta.more();
    }

    /** The reply body of a delta page. */
    public static String json(ChangeLog.Delta delta) {
        StringBuilder out = new StringBuilder(256 + 200 * (delta.added().size() + delta.deleted().size()));
        out.append("{\"cursor\":\"").append(delta.next().encode()).append("\",\"new\":");
        array(out, delta.added());
        out.append(",\"deleted\":");
        array(out, delta.deleted());
        out.append(",\"more\":").append(delta.more()).append('}');
        return out.toString();
    }

    private static void array(StringBuilder out, List<Decision> decisions) {
        out.append('[');
        for (int i = 0; i < decisions.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            DecisionJson.append(out, decisions.get(i));
        }
        out.append(']');
    }
}
