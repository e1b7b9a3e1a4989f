package dev.banlist.source;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/** SQL of sources and their run log. Methods take the caller's {@link SqlClient} so they join its transaction. */
@ApplicationScoped
class SourceRepository {

    private static final String COLUMNS = """
            s.id, s.name, s.url, s.format, s.interval_seconds, s.enabled, s.ban_duration_seconds, s.jail,
            s.max_entries, s.labels::text AS labels, s.status, s.entries, s.etag, s.last_modified, s.body_sha256,
            s.consecutive_failures, s.consecutive_gone, s.last_success_at, s.next_run_at, s.created_at, s.updated_at,
            s.settings_version, s.applied_settings,
            r.id AS run_id, r.status AS run_status, r.started_at AS run_started_at, r.finished_at AS run_finished_at,
            r.error_code AS run_error_code, r.message AS run_message""";
    private static final String FROM = " FROM sources s LEFT JOIN source_runs r ON r.id = s.last_run_id";

    private static final String RUN_COLUMNS = "id, source_id, trigger, instance, started_at, finished_at, status,"
            + " http_status, bytes, entries, added, removed, protected, invalid_lines, invalid_samples::text AS samples,"
            + " error_code, message";

    /**
     * A source row with the internal fields the importer needs.
     *
     * @param settingsVersion bumped by every settings change; a run records its outcome only while it is unchanged
     * @param appliedSettings the fingerprint of the settings the last apply used ({@link SettingsFingerprint})
     */
    record SourceRow(Source view, SourceFormat format, Duration interval, Duration banDuration, String lastModified,
            String bodySha256, int consecutiveFailures, int consecutiveGone, long settingsVersion,
            String appliedSettings) {

        long id() {
            return view.id();
        }

        String name() {
            return view.name();
        }

        String status() {
            return view.status();
        }
    }

    Uni<SourceRow> insert(SqlClient client, SourceSpec spec) {
        return client.preparedQuery("""
                        WITH s AS (
                            INSERT INTO sources (name, url, format, interval_seconds, enabled, ban_duration_seconds, jail,
                                                 max_entries, labels)
                            VALUES ($1, $2, $3, $4::bigint, $5, $6::bigint, $7, $8::int, $9::text::jsonb)
                            ON CONFLICT (name) DO NOTHING RETURNING *)
                        SELECT\s""" + COLUMNS + " FROM s LEFT JOIN source_runs r ON false")
                .execute(specTuple(spec))
                .map(SourceRepository::firstSource);
    }

    Uni<List<SourceRow>> list(SqlClient client) {
        return client.query("SELECT " + COLUMNS + FROM + " ORDER BY s.name").execute()
                .map(rows -> {
                    List<SourceRow> out = new ArrayList<>(rows.size());
                    rows.forEach(row -> out.add(toSource(row)));
                    return out;
                });
    }

    Uni<SourceRow> find(SqlClient client, long id) {
        return client.preparedQuery("SELECT " + COLUMNS + FROM + " WHERE s.id = $1").execute(Tuple.of(id))
                .map(SourceRepository::firstSource);
    }

    /** The source if it is due now (by the database's clock, as in {@link #due}), else null. */
    Uni<SourceRow> findDue(SqlClient client, long id) {
        return client.preparedQuery("SELECT " + COLUMNS + FROM + " WHERE s.id = $1 AND s.enabled"
                        + " AND s.status NOT IN ('gone', 'deleting') AND s.next_run_at <= now()").execute(Tuple.of(id))
                .map(SourceRepository::firstSource);
    }

    /**
     * Locks the source row against other writers of its settings, labels and status ({@code FOR NO KEY UPDATE}:
     * imports, which hold {@code FOR KEY SHARE} while applying, do not wait for it, deletion does).
     */
    Uni<SourceRow> lockForChange(SqlClient client, long id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM sources s LEFT JOIN source_runs r ON r.id = s.last_run_id"
                        + " WHERE s.id = $1 FOR NO KEY UPDATE OF s").execute(Tuple.of(id))
                .map(SourceRepository::firstSource);
    }

    /** Locks the row for deletion: waits for a running apply (which holds {@code FOR KEY SHARE}). */
    Uni<String> lockForDelete(SqlClient client, long id) {
        return client.preparedQuery("SELECT status FROM sources WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
    }

    /**
     * Replaces the settings and bumps their version (so that a run under way records nothing from its stale view);
     * when the upstream or its reading changed, the next run is due now and starts fresh.
     */
    Uni<SourceRow> update(SqlClient client, long id, SourceSpec spec, boolean refetch, boolean reactivate) {
        Tuple args = specTuple(spec).addLong(id).addBoolean(refetch).addBoolean(reactivate);
        return client.preparedQuery("""
                        WITH s AS (
                            UPDATE sources SET name = $1, url = $2, format = $3, interval_seconds = $4::bigint, enabled = $5,
                                ban_duration_seconds = $6::bigint, jail = $7, max_entries = $8::int, labels = $9::text::jsonb,
                                settings_version = settings_version + 1,
                                etag = CASE WHEN $11 THEN NULL ELSE etag END,
                                last_modified = CASE WHEN $11 THEN NULL ELSE last_modified END,
                                body_sha256 = CASE WHEN $11 THEN NULL ELSE body_sha256 END,
                                status = CASE WHEN $12 THEN 'pending' ELSE status END,
                                consecutive_failures = CASE WHEN $12 THEN 0 ELSE consecutive_failures END,
                                consecutive_gone = CASE WHEN $12 THEN 0 ELSE consecutive_gone END,
                                next_run_at = CASE WHEN $11 OR $12 THEN now()
                                                   ELSE least(next_run_at, now() + $4::bigint * interval '1 second') END,
                                updated_at = now()
                            WHERE id = $10 RETURNING *)
                        SELECT\s""" + COLUMNS + " FROM s LEFT JOIN source_runs r ON r.id = s.last_run_id")
                .execute(args)
                .map(SourceRepository::firstSource);
    }

    Uni<Void> updateLabels(SqlClient client, long id, Map<String, String> labels) {
        return client.preparedQuery("UPDATE sources SET labels = $1::text::jsonb, updated_at = now() WHERE id = $2")
                .execute(Tuple.of(SourceLabels.toJson(labels), id)).replaceWithVoid();
    }

    Uni<Void> markDeleting(SqlClient client, long id) {
        return client.preparedQuery("UPDATE sources SET status = 'deleting', updated_at = now() WHERE id = $1")
                .execute(Tuple.of(id)).replaceWithVoid();
    }

    /** Ends the source's open decisions; returns how many. */
    Uni<Integer> endDecisions(SqlClient client, long id) {
        return client.preparedQuery("UPDATE decisions SET ended_at = now(), end_reason = 'source_deleted',"
                        + " updated_at = now() WHERE source_id = $1 AND ended_at IS NULL")
                .execute(Tuple.of(id)).map(RowSet::rowCount);
    }

    Uni<Boolean> delete(SqlClient client, long id) {
        return client.preparedQuery("DELETE FROM sources WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Ids of enabled sources whose next run is due, oldest first. */
    Uni<List<Long>> due(SqlClient client, int limit) {
        return client.preparedQuery("SELECT id FROM sources WHERE enabled AND status NOT IN ('gone', 'deleting')"
                        + " AND next_run_at <= now() ORDER BY next_run_at LIMIT $1")
                .execute(Tuple.of(limit))
                .map(rows -> {
                    List<Long> ids = new ArrayList<>(rows.size());
                    rows.forEach(row -> ids.add(row.getLong(0)));
                    return ids;
                });
    }

    // ---- runs ------------------------------------------------------------------------------------------

    Uni<Long> insertRun(SqlClient client, long sourceId, String trigger, String instance, String status) {
        return client.preparedQuery("INSERT INTO source_runs (source_id, trigger, instance, status, finished_at)"
                        + " VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'running' THEN NULL ELSE now() END) RETURNING id")
                .execute(Tuple.of(sourceId, trigger, instance, status))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * Runs of the source still marked running whose process is gone (the caller holds the source's import lock,
     * so none of them can be running): failed, {@code INTERRUPTED}.
     */
    Uni<Integer> failInterrupted(SqlClient client, long sourceId, long currentRunId) {
        return client.preparedQuery("UPDATE source_runs SET status = 'failed', finished_at = now(),"
                        + " error_code = 'INTERRUPTED', message = 'The run was interrupted (its process stopped)'"
                        + " WHERE source_id = $1 AND status = 'running' AND id <> $2")
                .execute(Tuple.of(sourceId, currentRunId)).map(RowSet::rowCount);
    }

    /** Writes a run's outcome; {@code clock_timestamp()}: in an apply, {@code now()} is when it began. */
    Uni<Void> finishRun(SqlClient client, long runId, RunOutcome outcome) {
        return client.preparedQuery("""
                        UPDATE source_runs SET finished_at = clock_timestamp(), status = $2, http_status = $3, bytes = $4,
                            entries = $5, added = $6, removed = $7, protected = $8, invalid_lines = $9,
                            invalid_samples = $10::text::jsonb, error_code = $11, message = $12
                        WHERE id = $1""")
                .execute(Tuple.from(new Object[] { runId, outcome.status(), outcome.httpStatus(), outcome.bytes(),
                        outcome.entries(), outcome.added(), outcome.removed(), outcome.protectedEntries(),
                        outcome.invalidLines(), outcome.samplesJson(), outcome.errorCode(), outcome.message() }))
                .replaceWithVoid();
    }

    /**
     * A successful check (applied, unchanged or not modified): the source is ok and due again after its interval.
     * Written only if the settings the run read are still current ({@code version}) and the source is not being
     * deleted; in a transaction the row stays locked until commit, so no settings change can slip in before it.
     *
     * @return whether it was written
     */
    Uni<Boolean> recordSuccess(SqlClient client, long id, long version, long runId, Integer entries, String etag,
            String lastModified, String sha256, String appliedSettings) {
        return client.preparedQuery("""
                        UPDATE sources SET status = 'ok', consecutive_failures = 0, consecutive_gone = 0,
                            entries = coalesce($2, entries), etag = $3, last_modified = $4,
                            body_sha256 = coalesce($5, body_sha256), last_success_at = clock_timestamp(),
                            applied_settings = coalesce($8, applied_settings),
                            last_run_id = $6, next_run_at = clock_timestamp() + interval_seconds * interval '1 second',
                            updated_at = now()
                        WHERE id = $1 AND settings_version = $7 AND status <> 'deleting'""")
                .execute(Tuple.from(new Object[] { id, entries, etag, lastModified, sha256, runId, version,
                        appliedSettings }))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * A failed run: degraded (or gone), retried after {@code retryIn}; only if the settings the run read are still
     * current and the source is not being deleted.
     *
     * @return whether it was written
     */
    Uni<Boolean> recordFailure(SqlClient client, long id, long version, long runId, String status, int failures,
            int gone, Duration retryIn) {
        return client.preparedQuery("""
                        UPDATE sources SET status = $2, consecutive_failures = $3, consecutive_gone = $4,
                            last_run_id = $5, next_run_at = clock_timestamp() + $6 * interval '1 millisecond',
                            updated_at = now()
                        WHERE id = $1 AND settings_version = $7 AND status <> 'deleting'""")
                .execute(Tuple.from(new Object[] { id, status, failures, gone, runId, retryIn.toMillis(), version }))
                .map(rows -> rows.rowCount() == 1);
    }

    /** A run that found its source changed under it: due again at once, with its new settings. */
    Uni<Void> markDueNow(SqlClient client, long id) {
        return client.preparedQuery("UPDATE sources SET next_run_at = now() WHERE id = $1 AND status <> 'deleting'")
                .execute(Tuple.of(id)).replaceWithVoid();
    }

    /**
     * Records that a due run was skipped because another replica held the source's lock: once per due time
     * ({@code next_run_at}), however many ticks and replicas find it locked. Returns the new run's id, or null
     * when this due time was recorded already or the source is no longer due.
     */
    Uni<Long> insertSkipped(SqlClient client, long sourceId, String instance) {
        return client.preparedQuery("""
                        INSERT INTO source_runs (source_id, trigger, instance, status, finished_at, due_at)
                        SELECT id, 'schedule', $2, 'skipped_locked', now(), next_run_at FROM sources
                        WHERE id = $1 AND enabled AND status NOT IN ('gone', 'deleting') AND next_run_at <= now()
                        ON CONFLICT (source_id, due_at) WHERE status = 'skipped_locked' DO NOTHING
                        RETURNING id""")
                .execute(Tuple.of(sourceId, instance))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong(0));
    }

    /** Makes a skipped run the source's last run if it has none yet. */
    Uni<Void> recordSkipped(SqlClient client, long id, long runId) {
        return client.preparedQuery("UPDATE sources SET last_run_id = $2 WHERE id = $1 AND last_run_id IS NULL")
                .execute(Tuple.of(id, runId)).replaceWithVoid();
    }

    Uni<List<SourceRun>> runs(SqlClient client, long sourceId, Long beforeId, int limit) {
        Tuple args = Tuple.of(sourceId, limit);
        String where = "source_id = $1";
        if (beforeId != null) {
            args.addLong(beforeId);
            where += " AND id < $3";
        }
        return client.preparedQuery("SELECT " + RUN_COLUMNS + " FROM source_runs WHERE " + where
                        + " ORDER BY id DESC LIMIT $2")
                .execute(args)
                .map(rows -> {
                    List<SourceRun> out = new ArrayList<>(rows.size());
                    rows.forEach(row -> out.add(toRun(row)));
                    return out;
                });
    }

    Uni<SourceRun> run(SqlClient client, long sourceId, long runId) {
        return client.preparedQuery("SELECT " + RUN_COLUMNS + " FROM source_runs WHERE source_id = $1 AND id = $2")
                .execute(Tuple.of(sourceId, runId))
                .map(rows -> rows.size() == 0 ? null : toRun(rows.iterator().next()));
    }

    Uni<Integer> purgeRuns(SqlClient client, Duration retention) {
        return client.preparedQuery("DELETE FROM source_runs WHERE started_at < now() - $1 * interval '1 second'"
                        + " AND status <> 'running'")
                .execute(Tuple.of(retention.toSeconds())).map(RowSet::rowCount);
    }

    // ---- mapping ---------------------------------------------------------------------------------------

    private static Tuple specTuple(SourceSpec spec) {
        return Tuple.from(new Object[] { spec.name(), spec.url(), spec.format().wireName(), spec.interval().toSeconds(),
                spec.enabled(), spec.banDuration() == null ? null : spec.banDuration().toSeconds(), spec.jail(),
                spec.maxEntries(), SourceLabels.toJson(spec.labels()) });
    }

    private static SourceRow firstSource(RowSet<Row> rows) {
        return rows.size() == 0 ? null : toSource(rows.iterator().next());
    }

    private static SourceRow toSource(Row row) {
        Duration interval = Duration.ofSeconds(row.getLong("interval_seconds"));
        Long ban = row.getLong("ban_duration_seconds");
        Duration banDuration = ban == null ? null : Duration.ofSeconds(ban);
        Long runId = row.getLong("run_id");
        Source.RunSummary lastRun = runId == null ? null : new Source.RunSummary(runId, row.getString("run_status"),
                instant(row.getOffsetDateTime("run_started_at")), instant(row.getOffsetDateTime("run_finished_at")),
                row.getString("run_error_code"), row.getString("run_message"));
        Source view = new Source(row.getLong("id"), row.getString("name"), row.getString("url"),
                row.getString("format"), Durations.format(interval), row.getBoolean("enabled"),
                banDuration == null ? SourceRequests.UNTIL_REMOVED : Durations.format(banDuration),
                row.getString("jail"), row.getInteger("max_entries"), SourceLabels.fromJson(row.getString("labels")),
                row.getString("status"), row.getInteger("entries"), row.getString("etag"),
                instant(row.getOffsetDateTime("last_success_at")), instant(row.getOffsetDateTime("next_run_at")),
                lastRun, instant(row.getOffsetDateTime("created_at")), instant(row.getOffsetDateTime("updated_at")));
        return new SourceRow(view, SourceFormat.fromWire(row.getString("format")), interval, banDuration,
                row.getString("last_modified"), row.getString("body_sha256"), row.getInteger("consecutive_failures"),
                row.getInteger("consecutive_gone"), row.getLong("settings_version"), row.getString("applied_settings"));
    }

    private static SourceRun toRun(Row row) {
        return new SourceRun(row.getLong("id"), row.getLong("source_id"), row.getString("trigger"),
                row.getString("instance"), instant(row.getOffsetDateTime("started_at")),
                instant(row.getOffsetDateTime("finished_at")), row.getString("status"), row.getInteger("http_status"),
                row.getLong("bytes"), row.getInteger("entries"), row.getInteger("added"), row.getInteger("removed"),
                row.getInteger("protected"), row.getInteger("invalid_lines"), RunOutcome.samples(row.getString("samples")),
                row.getString("error_code"), row.getString("message"));
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
