package dev.banlist.decision;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.net.IpNetwork;

/** SQL of the decisions table. Methods take the caller's {@link SqlClient} so they join its transaction. */
@ApplicationScoped
public class DecisionRepository {

    /** SQL condition of an active decision (unended, unexpired) on unqualified columns of {@code decisions}. */
    public static final String ACTIVE = "ended_at IS NULL AND (expires_at IS NULL OR expires_at > now())";
    /**
     * The value comes out as the API writes it: a host without its prefix ({@code host()}), a network as
     * {@code address/prefix}. PostgreSQL prints IPv6 compressed as RFC 5952 does, except IPv4-compatible forms
     * such as {@code ::1.2.3.4}, which {@link #toDecision} normalises.
     */
    public static final String COLUMNS = "id, CASE WHEN masklen(value) = CASE family(value) WHEN 4 THEN 32 ELSE 128 END"
            + " THEN host(value) ELSE value::text END AS value, family(value) AS family, masklen(value) AS prefix,"
            + " type, origin, jail, reason, created_at, expires_at, ended_at";

    /** Ends open decisions with the given keys that have already expired, so that a new ban starts afresh. */
    public Uni<Integer> endExpired(SqlClient client, List<NewDecision.Key> keys) {
        return client.preparedQuery("""
                UPDATE decisions d SET ended_at = d.expires_at, end_reason = 'expired', updated_at = now()
                FROM unnest($1::text[], $2::text[], $3::text[]) AS k(value, type, origin)
                WHERE d.ended_at IS NULL AND d.expires_at <= now()
                  AND d.value = k.value::cidr AND d.type = k.type AND d.origin = k.origin""")
                .execute(Tuple.of(
                        keys.stream().map(NewDecision.Key::value).toArray(String[]::new),
                        keys.stream().map(NewDecision.Key::type).toArray(String[]::new),
                        keys.stream().map(NewDecision.Key::origin).toArray(String[]::new)))
                .map(RowSet::rowCount);
    }

    /**
     * Inserts the decisions, or extends the open one with the same (value, type, origin): the later expiry wins,
     * permanent beats any expiry. Keys must be distinct within one call.
     */
    public Uni<List<Decision>> upsert(SqlClient client, List<NewDecision> decisions) {
        int n = decisions.size();
        String[] values = new String[n];
        String[] types = new String[n];
        String[] origins = new String[n];
        String[] jails = new String[n];
        String[] reasons = new String[n];
        Long[] millis = new Long[n];
        for (int i = 0; i < n; i++) {
            NewDecision d = decisions.get(i);
            values[i] = d.value();
            types[i] = d.type();
            origins[i] = d.origin();
            jails[i] = d.jail();
            reasons[i] = d.reason();
            millis[i] = d.duration() == null ? null : d.duration().toMillis();
        }
        return client.preparedQuery("""
                INSERT INTO decisions AS d (value, type, origin, jail, reason, expires_at)
                SELECT i.value::cidr, i.type, i.origin, i.jail, i.reason,
                       now() + i.millis * interval '1 millisecond'
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
                     AS i(value, type, origin, jail, reason, millis)
                ON CONFLICT (value, type, origin) WHERE ended_at IS NULL DO UPDATE SET
                    expires_at = CASE WHEN d.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL
                                      ELSE greatest(d.expires_at, excluded.expires_at) END,
                    jail = coalesce(excluded.jail, d.jail),
                    reason = coalesce(excluded.reason, d.reason),
                    updated_at = now()
                RETURNING\s""" + COLUMNS)
                .execute(Tuple.of(values, types, origins, jails, reasons, millis))
                .map(DecisionRepository::toList);
    }

    public Uni<Decision> findById(SqlClient client, long id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM decisions WHERE id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toDecision(rows.iterator().next()));
    }

    /** Every active decision covering the address, most specific first. */
    public Uni<List<Decision>> covering(SqlClient client, IpNetwork ip) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM decisions WHERE value >>= $1::text::inet AND "
                        + ACTIVE + " ORDER BY masklen(value) DESC, id")
                .execute(Tuple.of(ip.toString()))
                .map(DecisionRepository::toList);
    }

    public Uni<List<Decision>> list(SqlClient client, DecisionFilter filter, Long beforeId, int limit) {
        List<String> where = new ArrayList<>();
        Tuple args = Tuple.tuple();
        where.add(filter.active() ? ACTIVE : "NOT (" + ACTIVE + ")");
        if (filter.contains() != null) {
            args.addString(filter.contains().toString());
            where.add("value >>= $" + args.size() + "::text::inet");
        }
        if (filter.within() != null) {
            args.addString(filter.within().toString());
            where.add("value <<= $" + args.size() + "::text::cidr");
        }
        if (filter.origin() != null) {
            args.addString(filter.origin());
            where.add("origin = $" + args.size());
        }
        if (filter.jail() != null) {
            args.addString(filter.jail());
            where.add("jail = $" + args.size());
        }
        if (beforeId != null) {
            args.addLong(beforeId);
            where.add("id < $" + args.size());
        }
        args.addInteger(limit);
        return client.preparedQuery("SELECT " + COLUMNS + " FROM decisions WHERE " + String.join(" AND ", where)
                        + " ORDER BY id DESC LIMIT $" + args.size())
                .execute(args)
                .map(DecisionRepository::toList);
    }

    /** Ends (unbans) one active decision; null when there is no active decision with that id. */
    public Uni<Decision> end(SqlClient client, long id) {
        return client.preparedQuery("UPDATE decisions SET ended_at = now(), end_reason = 'unban', updated_at = now()"
                        + " WHERE id = $1 AND " + ACTIVE + " RETURNING " + COLUMNS)
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toDecision(rows.iterator().next()));
    }

    /** Ends every active decision for exactly this value (and origin, when given); returns how many. */
    public Uni<Integer> endMatching(SqlClient client, IpNetwork value, String origin) {
        Tuple args = Tuple.of(value.toString());
        String sql = "UPDATE decisions SET ended_at = now(), end_reason = 'unban', updated_at = now()"
                + " WHERE value = $1::text::cidr AND " + ACTIVE;
        if (origin != null) {
            args.addString(origin);
            sql += " AND origin = $2";
        }
        return client.preparedQuery(sql).execute(args).map(RowSet::rowCount);
    }

    /** Active decisions per scope, for the gauge. */
    public Uni<long[]> countActiveByScope(SqlClient client) {
        return client.query("SELECT count(*) FILTER (WHERE masklen(value) = CASE family(value) WHEN 4 THEN 32 ELSE 128 END),"
                        + " count(*) FILTER (WHERE masklen(value) <> CASE family(value) WHEN 4 THEN 32 ELSE 128 END)"
                        + " FROM decisions WHERE " + ACTIVE)
                .execute()
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new long[] { row.getLong(0), row.getLong(1) };
                });
    }

    private static List<Decision> toList(RowSet<Row> rows) {
        List<Decision> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            out.add(toDecision(row));
        }
        return out;
    }

    /** Maps a row selected with {@link #COLUMNS}. */
    public static Decision toDecision(Row row) {
        String value = row.getString("value");
        if (value.indexOf(':') >= 0 && value.indexOf('.') >= 0) {
            value = IpNetwork.parse(value).toString();
        }
        boolean host = row.getInteger("prefix") == (row.getInteger("family") == 4 ? 32 : 128);
        return new Decision(row.getLong("id"), value, host ? "ip" : "range", row.getString("type"),
                row.getString("origin"), row.getString("jail"), row.getString("reason"),
                instant(row.getOffsetDateTime("created_at")), instant(row.getOffsetDateTime("expires_at")),
                instant(row.getOffsetDateTime("ended_at")));
    }

    private static java.time.Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
