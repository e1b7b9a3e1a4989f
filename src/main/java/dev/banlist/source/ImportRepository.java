package dev.banlist.source;

import java.time.Duration;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * SQL of an import's apply: stage the parsed list in a temporary table (dropped at commit or rollback, so a
 * killed run leaves nothing behind), then change only the difference to the source's open decisions.
 */
@ApplicationScoped
class ImportRepository {

    /** The source as an apply finds it under its row lock. */
    record Held(String status, long settingsVersion) {
    }

    /**
     * Takes the source row in {@code FOR KEY SHARE} mode for the rest of the transaction and returns its status and
     * settings version (null when it no longer exists). Label and settings updates ({@code FOR NO KEY UPDATE}) go on
     * meanwhile; deletion ({@code FOR UPDATE}) waits, so it cannot mark the source while an apply is writing its
     * decisions.
     */
    Uni<Held> holdSource(SqlClient client, long sourceId) {
        return client.preparedQuery("SELECT status, settings_version FROM sources WHERE id = $1 FOR KEY SHARE")
                .execute(Tuple.of(sourceId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    var row = rows.iterator().next();
                    return new Held(row.getString(0), row.getLong(1));
                });
    }

    /**
     * Waits (up to {@code wait}) for any earlier apply of the source that is still running on the server, then
     * restores the transaction's lock timeout. Only applies of the same source take this lock, so the longer wait
     * holds up no API request.
     */
    Uni<Void> awaitEarlierApply(SqlClient client, long sourceId, java.time.Duration wait, String lockTimeout) {
        return client.preparedQuery("SELECT set_config('lock_timeout', $1, true)")
                .execute(Tuple.of(wait.toMillis() + "ms"))
                .chain(() -> client.preparedQuery("SELECT pg_advisory_xact_lock($1, $2)")
                        .execute(Tuple.of(dev.banlist.persistence.AdvisoryLocks.SOURCE_APPLY, (int) sourceId)))
                .chain(() -> client.preparedQuery("SELECT set_config('lock_timeout', $1, true)")
                        .execute(Tuple.of(lockTimeout)))
                .replaceWithVoid();
    }

    Uni<Void> createStaging(SqlClient client) {
        return client.query("CREATE TEMPORARY TABLE import_staging (value cidr NOT NULL) ON COMMIT DROP")
                .execute().replaceWithVoid();
    }

    Uni<Void> stage(SqlClient client, String[] values) {
        return client.preparedQuery("INSERT INTO import_staging (value) SELECT unnest($1::text[])::cidr")
                .execute(Tuple.of(values)).replaceWithVoid();
    }

    /** Table statistics, so that the diff below is planned as hash joins rather than a million index probes. */
    Uni<Void> analyzeStaging(SqlClient client) {
        return client.query("ANALYZE import_staging").execute().replaceWithVoid();
    }

    /**
     * Plans the diff below as hash anti-joins, whatever the statistics of {@code decisions} say, for the rest of
     * the transaction. Right after a large import, before autovacuum has analyzed the table, the planner takes
     * the source's open decisions for a handful of rows and picks a nested loop that reads the whole staging
     * table once per decision: a million times a million comparisons for a million-entry list, which the
     * statement timeout ends, failing the run. A hash anti-join is linear in both sides at any size.
     */
    Uni<Void> planDiff(SqlClient client) {
        return client.query("SELECT set_config('enable_nestloop', 'off', true)").execute().replaceWithVoid();
    }

    /** Ends open decisions of the source whose grace period (after the list dropped them) is over. */
    Uni<Integer> endExpired(SqlClient client, long sourceId) {
        return client.preparedQuery("UPDATE decisions SET ended_at = expires_at, end_reason = 'expired',"
                        + " updated_at = now() WHERE source_id = $1 AND ended_at IS NULL AND expires_at <= now()")
                .execute(Tuple.of(sourceId)).map(RowSet::rowCount);
    }

    /**
     * Entries the list no longer has: ended at once, or, with a grace period, left to expire after it.
     * Returns how many.
     */
    Uni<Integer> removeMissing(SqlClient client, long sourceId, Duration grace) {
        String change = grace == null
                ? "ended_at = now(), end_reason = 'removed_from_list'"
                : "expires_at = now() + " + grace.toSeconds() + " * interval '1 second'";
        return client.preparedQuery("UPDATE decisions d SET " + change + ", updated_at = now()"
                        + " WHERE d.source_id = $1 AND d.ended_at IS NULL AND d.expires_at IS NULL"
                        + " AND NOT EXISTS (SELECT 1 FROM import_staging s WHERE s.value = d.value)")
                .execute(Tuple.of(sourceId)).map(RowSet::rowCount);
    }

    /** The source's jail changed: its open decisions take the new one. Returns how many. */
    Uni<Integer> updateJail(SqlClient client, long sourceId, String jail) {
        return client.preparedQuery("UPDATE decisions SET jail = $2, updated_at = now() WHERE source_id = $1"
                        + " AND ended_at IS NULL AND jail IS DISTINCT FROM $2")
                .execute(Tuple.of(sourceId, jail)).map(RowSet::rowCount);
    }

    /**
     * Open decisions of the source that a protected range covers (the range was added since they were applied):
     * ended at once, without the grace period an entry dropped from the list gets. Returns how many.
     */
    Uni<Integer> endProtected(SqlClient client, long sourceId, String[] protectedRanges) {
        return client.preparedQuery("UPDATE decisions SET ended_at = now(), end_reason = 'removed_from_list',"
                        + " updated_at = now() WHERE source_id = $1 AND ended_at IS NULL AND value && ANY($2::text[]::cidr[])")
                .execute(Tuple.of(sourceId, protectedRanges)).map(RowSet::rowCount);
    }

    /**
     * The source's ban duration changed: entries already in their grace period (dropped by the list, not listed
     * again) get at most the new duration from now, or end at once when entries are now unbanned on removal.
     * A grace period under way is never lengthened. Returns how many changed.
     */
    Uni<Integer> shortenGrace(SqlClient client, long sourceId, Duration grace) {
        String change = grace == null
                ? "ended_at = now(), end_reason = 'removed_from_list'"
                : "expires_at = now() + " + grace.toSeconds() + " * interval '1 second'";
        String longer = grace == null ? "" : " AND d.expires_at > now() + " + grace.toSeconds() + " * interval '1 second'";
        return client.preparedQuery("UPDATE decisions d SET " + change + ", updated_at = now()"
                        + " WHERE d.source_id = $1 AND d.ended_at IS NULL AND d.expires_at IS NOT NULL" + longer
                        + " AND NOT EXISTS (SELECT 1 FROM import_staging s WHERE s.value = d.value)")
                .execute(Tuple.of(sourceId)).map(RowSet::rowCount);
    }

    /**
     * Entries new to the source: inserted; one still in its grace period is listed again and kept without
     * expiry. Returns how many.
     */
    Uni<Integer> addNew(SqlClient client, long sourceId, String origin, String jail) {
        return client.preparedQuery("""
                        INSERT INTO decisions AS d (value, type, origin, jail, source_id)
                        SELECT s.value, 'ban', $2, $3, $1 FROM import_staging s
                        WHERE NOT EXISTS (SELECT 1 FROM decisions o WHERE o.source_id = $1 AND o.ended_at IS NULL
                                          AND o.expires_at IS NULL AND o.value = s.value)
                        ON CONFLICT (value, type, origin) WHERE ended_at IS NULL
                        DO UPDATE SET expires_at = NULL, source_id = excluded.source_id, updated_at = now()""")
                .execute(Tuple.of(sourceId, origin, jail)).map(RowSet::rowCount);
    }
}
