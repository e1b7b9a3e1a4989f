package dev.banlist.changes;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.decision.Decision;
import dev.banlist.changes.ChangeLogRepository.Change;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.persistence.Database;

/** Reads the change log: raw pages for the in-memory index, and deltas as enforcers receive them. */
@ApplicationScoped
public class ChangeLog {

    private final Database database;
    private final ChangeLogRepository repository;

    ChangeLog(Database database, ChangeLogRepository repository) {
        this.database = database;
        this.repository = repository;
    }

    /** Change-log rows after a cursor (with their decisions' current state) and the cursor after them. */
    public record Page(List<Change> changes, ChangeCursor next, boolean more) {
    }

    /**
     * What changed after a cursor, as an enforcer applies it. {@code added}: decisions active now (new or
     * extended). {@code deleted}: decisions no longer active whose value is not still banned, with the same type,
     * by another active decision the filter lets through: an enforcer keyed by value may remove the value.
     */
    public record Delta(ChangeCursor next, List<Decision> added, List<Decision> deleted, boolean more) {
    }

    /** Whether changes after the cursor may have been purged (it would be answered 410 CURSOR_EXPIRED). */
    public Uni<Boolean> expired(String operation, ChangeCursor since) {
        return database.read(operation, conn -> repository.expired(conn, since));
    }

    /**
     * A page for the index, whose synchroniser keeps serving its last state on failure and logs on a change of
     * state: not logged per failure, which would be a line every poll during an outage.
     */
    public Uni<Page> page(String operation, ChangeCursor since, int limit) {
        return database.poll(operation, conn -> page(conn, since, limit));
    }

    /**
     * What changed after a cursor, as an enforcer applies it. The page is one statement; whether an ended
     * decision's value is still banned is asked afterwards, which is safe: a decision that became active in
     * between arrives as new in the next delta, one that ended in between as deleted.
     */
    public Uni<Delta> delta(String operation, ChangeCursor since, int limit, Predicate<Decision> filter) {
        return database.read(operation, conn -> page(conn, since, limit).chain(page -> toDelta(conn, page, filter)));
    }

    private Uni<Page> page(SqlConnection conn, ChangeCursor since, int limit) {
        return repository.page(conn, since.from(), since.partial() ? since.to() : null, since.txid(), since.seq(), limit + 1)
                .map(rows -> {
                    if (rows.expired()) {
                        throw new ApiException(ErrorCode.CURSOR_EXPIRED, "This cursor is older than the change log's"
                                + " retention; start again without 'since' to receive a full snapshot.");
                    }
                    List<Change> changes = rows.changes();
                    if (changes.size() > limit) {
                        List<Change> kept = changes.subList(0, limit);
                        Change last = kept.get(limit - 1);
                        return new Page(kept, since.continuing(rows.target(), last.txid(), last.seq()), true);
                    }
                    return new Page(changes, ChangeCursor.at(rows.target()), false);
                });
    }

    /** Decides which changed decisions an enforcer adds and which it removes. */
    private Uni<Delta> toDelta(SqlConnection conn, Page page, Predicate<Decision> filter) {
        Map<Long, Change> latest = new LinkedHashMap<>();
        for (Change change : page.changes()) {
            latest.put(change.decision().id(), change);
        }
        List<Decision> added = new ArrayList<>();
        List<Decision> ended = new ArrayList<>();
        for (Change change : latest.values()) {
            if (!filter.test(change.decision())) {
                continue;
            }
            (change.active() ? added : ended).add(change.decision());
        }
        if (ended.isEmpty()) {
            return Uni.createFrom().item(new Delta(page.next(), added, List.of(), page.more()));
        }
        Set<String> values = new HashSet<>();
        for (Decision d : ended) {
            values.add(d.value());
        }
        return repository.activeWithValues(conn, values).map(others -> {
            Set<String> stillBanned = new HashSet<>();
            for (Decision other : others) {
                if (filter.test(other)) {
                    stillBanned.add(other.type() + " " + other.value());
                }
            }
            List<Decision> deleted = new ArrayList<>(ended.size());
            for (Decision d : ended) {
                if (!stillBanned.contains(d.type() + " " + d.value())) {
                    deleted.add(d);
                }
            }
            return new Delta(page.next(), added, deleted, page.more());
        });
    }
}
