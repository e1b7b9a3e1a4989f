package dev.banlist.security;

import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/** SQL of the api_keys table. */
@ApplicationScoped
public class ApiKeyRepository {

    /**
     * A key as the registry needs it to authenticate. {@code id} identifies the key for good: a key created again
     * under the same name has another id (the bootstrap key's is negative, derived from its hash).
     */
    public record Credential(long id, String hash, String name, String role) {
    }

    /** Inserts a key; null when the name is taken. */
    public Uni<ApiKey> insert(SqlClient client, String name, String role, String hash) {
        return client.preparedQuery("INSERT INTO api_keys (name, role, key_hash) VALUES ($1, $2, $3)"
                        + " ON CONFLICT (name) DO NOTHING RETURNING id, name, role, created_at")
                .execute(Tuple.of(name, role, hash))
                .map(rows -> rows.size() == 0 ? null : toKey(rows.iterator().next()));
    }

    public Uni<List<ApiKey>> list(SqlClient client) {
        return client.query("SELECT id, name, role, created_at FROM api_keys ORDER BY id").execute()
                .map(rows -> {
                    List<ApiKey> keys = new ArrayList<>();
                    rows.forEach(row -> keys.add(toKey(row)));
                    return keys;
                });
    }

    /** Deletes a key; returns its hash, or null when there was no such key. */
    public Uni<String> delete(SqlClient client, long id) {
        return client.preparedQuery("DELETE FROM api_keys WHERE id = $1 RETURNING key_hash").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
    }

    public Uni<List<Credential>> credentials(SqlClient client) {
        return client.query("SELECT id, key_hash, name, role FROM api_keys").execute()
                .map(ApiKeyRepository::toCredentials);
    }

    private static List<Credential> toCredentials(RowSet<Row> rows) {
        List<Credential> out = new ArrayList<>(rows.size());
        rows.forEach(row -> out.add(new Credential(row.getLong(0), row.getString(1), row.getString(2), row.getString(3))));
        return out;
    }

    private static ApiKey toKey(Row row) {
        return new ApiKey(row.getLong("id"), row.getString("name"), row.getString("role"),
                row.getOffsetDateTime("created_at").toInstant(), List.of());
    }
}
