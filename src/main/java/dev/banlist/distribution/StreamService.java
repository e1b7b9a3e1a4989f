package dev.banlist.distribution;

import java.time.Duration;
import java.util.List;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.changes.ChangeCursor;
import dev.banlist.changes.ChangeLog;
import dev.banlist.changes.ChangeNotifier;
import dev.banlist.config.BanlistConfig;
import dev.banlist.decision.Decision;

/** Deltas of the change stream, with long polling. */
@ApplicationScoped
public class StreamService {

    private final ChangeLog changeLog;
    private final ChangeNotifier notifier;
    private final BanlistConfig.Distribution config;

    StreamService(ChangeLog changeLog, ChangeNotifier notifier, BanlistConfig config) {
        this.changeLog = changeLog;
        this.notifier = notifier;
        this.config = config.distribution();
    }

    /**
     * The changes after {@code since}. With nothing to send and a wait, waits for a commit to be announced (or the
     * wait to pass) and reads again, so the answer leaves as soon as a change is committed.
     */
    public Uni<ChangeLog.Delta> delta(ChangeCursor since, int limit, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        return delta(since, limit, deadline);
    }

    private Uni<ChangeLog.Delta> delta(ChangeCursor since, int limit, long deadline) {
        long seen = notifier.generation();
        return changeLog.delta("stream.delta", since, limit, d -> true).chain(delta -> {
            long left = deadline - System.nanoTime();
            if (!isEmpty(delta) || left <= 0 || notifier.waiting() >= config.maxWaiters()) {
                return Uni.createFrom().item(delta);
            }
            return notifier.await(seen, Duration.ofNanos(left))
                    .chain(() -> delta(delta.next(), limit, deadline));
        });
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
