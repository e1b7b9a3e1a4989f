package dev.banlist.distribution.crowdsec;

import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * SQL of the bouncer_cursors table: the server-side cursors of CrowdSec bouncers, one per key id, client address
 * and {@code User-Agent}. (The change-log purge deletes rows unused within the retention.)
 */
@ApplicationScoped
public class BouncerCursorRepository {

    /** One stored bouncer identity of a key, for the key listing. */
    public record Seen(long keyId, String client, String userAgent, java.time.Instant lastPull) {
    }

    public Uni<String> cursor(SqlClient client, BouncerIdentity bouncer) {
        return client.preparedQuery("SELECT cursor FROM bouncer_cursors WHERE key_id = $1 AND client = $2 AND user_agent = $3")
                .execute(Tuple.of(bouncer.keyId(), bouncer.client(), bouncer.userAgent()))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
    }

    /**
     * Stores the bouncer's cursor. A new identity beyond {@code maxPerKey} for its key removes the key's least
     * recently used ones, so that no key holder can grow the table without bound.
     */
    public Uni<Void> save(SqlClient client, BouncerIdentity bouncer, String cursor, int maxPerKey) {
        return client.preparedQuery("""
                        INSERT INTO bouncer_cursors (key_id, client, user_agent, cursor) VALUES ($1, $2, $3, $4)
                        ON CONFLICT (key_id, client, user_agent) DO UPDATE SET cursor = excluded.cursor, updated_at = now()
                        RETURNING (xmax = 0) AS inserted""")
                .execute(Tuple.of(bouncer.keyId(), bouncer.client(), bouncer.userAgent(), cursor))
                .chain(rows -> !rows.iterator().next().getBoolean(0) ? Uni.createFrom().voidItem()
                        : client.preparedQuery("""
                                        DELETE FROM bouncer_cursors WHERE key_id = $1 AND (client, user_agent) IN (
                                            SELECT client, user_agent FROM bouncer_cursors WHERE key_id = $1
                                            ORDER BY updated_at DESC, client, user_agent OFFSET $2)""")
                                .execute(Tuple.of(bouncer.keyId(), maxPerKey))
                                .replaceWithVoid());
    }

    /** Every key's bouncer identities, most recent first, at most {@code maxPerKey} each. */
    public Uni<List<Seen>> seen(SqlClient client, int maxPerKey) {
        return client.preparedQuery("""
                        SELECT key_id, client, user_agent, updated_at FROM (
                            SELECT key_id, client, user_agent, updated_at,
                                   row_number() OVER (PARTITION BY key_id ORDER BY updated_at DESC, client, user_agent) AS n
                            FROM bouncer_cursors) c
                        WHERE n <= $1 ORDER BY key_id, n""")
                .execute(Tuple.of(maxPerKey))
                .map(rows -> {
                    List<Seen> out = new ArrayList<>(rows.size());
                    rows.forEach(row -> out.add(new Seen(row.getLong(0), row.getString(1), row.getString(2),
                            row.getOffsetDateTime(3).toInstant())));
                    return out;
                });
    }

    /** A revoked key's cursors: a key created later, under any name, has another id and starts afresh anyway. */
    public Uni<Void> deleteKey(SqlClient client, long keyId) {
        return client.preparedQuery("DELETE FROM bouncer_cursors WHERE key_id = $1").execute(Tuple.of(keyId))
                .replaceWithVoid();
    }
}
