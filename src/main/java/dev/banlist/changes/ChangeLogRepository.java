package dev.banlist.changes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.decision.Decision;
import dev.banlist.decision.DecisionRepository;

/** SQL of the change log ({@code decision_changes}, filled by triggers on {@code decisions}) and its readers. */
@ApplicationScoped
public class ChangeLogRepository {

    /** One change-log row with the current state of its decision as the reading transaction sees it. */
    public record Change(String txid, long seq, Decision decision, boolean active) {
    }

    /** The snapshot of the caller's (repeatable read) transaction: the cursor of what it reads. */
    public Uni<String> currentSnapshot(SqlClient client) {
        return client.query("SELECT pg_current_snapshot()::text").execute()
                .map(rows -> rows.iterator().next().getString(0));
    }

    /**
     * Whether a purged change may be one the snapshot in {@code $1} does not see: the largest purged transaction
     * is at or past its {@code xmax}, or one of its in-progress transactions is not above it. Transactions below
     * {@code xmax} and not in progress are visible to it, so old transactions that were open elsewhere when the
     * cursor was taken do not expire it; purging stops below every live transaction (see {@link #purge}).
     */
    static final String EXPIRED = "(SELECT pg_snapshot_xmax(v.s) <= v.p OR EXISTS (SELECT 1 FROM pg_snapshot_xip(v.s) x"
            + " WHERE x <= v.p) FROM (SELECT $1::text::pg_snapshot AS s, purged_through AS p FROM change_log_state) v)";

    /** Whether changes a cursor has not seen may have been purged. */
    public Uni<Boolean> expired(SqlClient client, ChangeCursor cursor) {
        return client.preparedQuery("SELECT " + EXPIRED)
                .execute(Tuple.of(cursor.from()))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    /** A page as one statement read it: the snapshot it reads up to, whether the cursor expired, and the rows. */
    public record PageRows(String target, boolean expired, List<Change> changes) {
    }

    /**
     * Change-log rows of transactions not visible in {@code from} but visible in {@code to} (null: the
     * statement's own snapshot), after the row ({@code afterTxid}, {@code afterSeq}) in (txid, seq) order, at most
     * {@code limit}, with the current state of their decisions. One statement, so one snapshot and one round
     * trip: an empty delta costs a single query.
     */
    public Uni<PageRows> page(SqlClient client, String from, String to, String afterTxid, long afterSeq, int limit) {
        // One row-comparison lower bound, the later of the snapshot's xmin (nothing below it is unseen) and the last
        // row sent: given two, PostgreSQL starts the index scan at one and filters with the other, which read the
        // whole index for an empty delta.
        String xmin = from.substring(0, from.indexOf(':'));
        String[] start = afterTxid != null && Long.compareUnsigned(Long.parseUnsignedLong(afterTxid),
                Long.parseUnsignedLong(xmin)) >= 0 ? new String[] { afterTxid, Long.toString(afterSeq) }
                : new String[] { xmin, "-1" };
        // The columns of decisions, decision_changes and head do not overlap, so the decision columns need no alias.
        return client.preparedQuery("WITH head AS (SELECT coalesce($2::text::pg_snapshot, pg_current_snapshot()) AS target,"
                        + " " + EXPIRED + " AS expired)"
                        + " SELECT head.target::text AS target, head.expired, c.txid::text AS txid, c.seq, "
                        + DecisionRepository.COLUMNS + ", (" + DecisionRepository.ACTIVE + ") AS active"
                        + " FROM head LEFT JOIN LATERAL (SELECT c.txid, c.seq, c.decision_id FROM decision_changes c"
                        + " WHERE NOT head.expired"
                        + " AND NOT pg_visible_in_snapshot(c.txid, $1::text::pg_snapshot)"
                        + " AND pg_visible_in_snapshot(c.txid, head.target)"
                        + " AND (c.txid, c.seq) > ($3::text::xid8, $4::bigint)"
                        + " ORDER BY c.txid, c.seq LIMIT $5) c ON true"
                        + " LEFT JOIN decisions d ON d.id = c.decision_id"
                        + " ORDER BY c.txid, c.seq")
                .execute(Tuple.of(from, to, start[0], Long.parseLong(start[1]), limit))
                .map(rows -> {
                    String target = null;
                    boolean expired = false;
                    List<Change> out = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        target = row.getString("target");
                        expired = row.getBoolean("expired");
                        if (row.getValue("seq") != null) {
                            out.add(new Change(row.getString("txid"), row.getLong("seq"),
                                    DecisionRepository.toDecision(row), row.getBoolean("active")));
                        }
                    }
                    return new PageRows(target, expired, out);
                });
    }

    /** Every active decision, streamed in chunks; the caller's transaction must be open while it is consumed. */
    public Multi<Decision> active(SqlConnection connection, int fetchSize) {
        return connection.prepare("SELECT " + DecisionRepository.COLUMNS + " FROM decisions WHERE " + DecisionRepository.ACTIVE)
                .onItem().transformToMulti(statement -> statement.createStream(fetchSize).toMulti())
                .map(DecisionRepository::toDecision);
    }

    /** Active decisions with one of these exact values. */
    public Uni<List<Decision>> activeWithValues(SqlClient client, Collection<String> values) {
        return client.preparedQuery("SELECT " + DecisionRepository.COLUMNS + " FROM decisions"
                        + " WHERE value = ANY($1::text[]::cidr[]) AND " + DecisionRepository.ACTIVE)
                .execute(Tuple.of(values.toArray(String[]::new)))
                .map(rows -> {
                    List<Decision> out = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        out.add(DecisionRepository.toDecision(row));
                    }
                    return out;
                });
    }

    /**
     * Ends, as {@code expired}, up to {@code batch} open decisions whose expiry has passed, skipping rows another
     * transaction holds (the next pass takes them). Returns how many; the triggers log them as changes.
     */
    public Uni<Integer> endExpired(SqlClient client, int batch) {
        return client.preparedQuery("""
                        UPDATE decisions SET ended_at = expires_at, end_reason = 'expired', updated_at = now()
                        WHERE id IN (SELECT id FROM decisions WHERE ended_at IS NULL AND expires_at <= now()
                                     ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)""")
                .execute(Tuple.of(batch))
                .map(RowSet::rowCount);
    }

    /**
     * Deletes up to {@code batch} change-log rows older than the retention and records the largest purged
     * transaction id, which expires every cursor that could have missed them. Returns how many.
     *
     * <p>Only rows of transactions below the horizon go: the oldest transaction still running and the oldest
     * snapshot still held ({@code backend_xmin} of this role's sessions, such as an index load, whose snapshot
     * becomes a cursor). A transaction left open for longer than the retention thus holds the purge back instead
     * of expiring every cursor taken while it is open.
     */
    public Uni<Integer> purge(SqlClient client, Duration retention, int batch) {
        return client.preparedQuery("""
                        WITH now_xid AS (SELECT pg_current_xact_id()::text::bigint AS c),
                        horizon AS (
                            SELECT least(pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
                                         (SELECT min(CASE WHEN a.x <= n.c % 4294967296 THEN n.c - n.c % 4294967296 + a.x
                                                          ELSE n.c - n.c % 4294967296 - 4294967296 + a.x END)
                                          FROM (SELECT backend_xmin::text::bigint AS x FROM pg_stat_activity
                                                WHERE backend_xmin IS NOT NULL) a, now_xid n))::text::xid8 AS below),
                        gone AS (
                            DELETE FROM decision_changes WHERE seq IN (
                                SELECT seq FROM decision_changes WHERE changed_at < now() - $1::bigint * interval '1 millisecond'
                                AND txid < (SELECT below FROM horizon)
                                ORDER BY seq LIMIT $2)
                            RETURNING txid),
                        marked AS (
                            UPDATE change_log_state SET purged_through = greatest(purged_through, (SELECT max(txid) FROM gone))
                            WHERE EXISTS (SELECT 1 FROM gone))
                        SELECT count(*) FROM gone""")
                .execute(Tuple.of(retention.toMillis(), batch))
                .map(rows -> rows.iterator().next().getLong(0).intValue());
    }

    /** Server-side cursors of CrowdSec bouncers not used within the retention. */
    public Uni<Integer> purgeBouncerCursors(SqlClient client, Duration retention) {
        return client.preparedQuery("DELETE FROM bouncer_cursors WHERE updated_at < now() - $1::bigint * interval '1 millisecond'")
                .execute(Tuple.of(retention.toMillis()))
                .map(RowSet::rowCount);
    }
}
