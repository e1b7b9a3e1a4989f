package dev.banlist.persistence;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.banlist.config.BanlistConfig;

/**
 * Ready when the database answers, the schema is migrated and the in-memory index is loaded. With the database
 * unreachable it stays UP, for read traffic, while the index is fresh (it names the database error all the same);
 * otherwise DOWN with the error code saying which.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadinessCheck implements AsyncHealthCheck {

    private final Instance<Pool> pool;
    private final SchemaMigrator migrator;
    private final BanlistConfig config;
    private final ReadFallback fallback;

    DatabaseReadinessCheck(Instance<Pool> pool, SchemaMigrator migrator, BanlistConfig config, ReadFallback fallback) {
        this.pool = pool;
        this.migrator = migrator;
        this.config = config;
        this.fallback = fallback;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        SchemaMigrator.State schema = migrator.state();
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("database");
        if (!schema.migrated()) {
            return Uni.createFrom().item(builder.down()
                    .withData("schema", "not_migrated")
                    .withData("error_code", schema.lastError() == null ? "DATABASE_UNAVAILABLE" : schema.lastError().name())
                    .build());
        }
        // Reading a table proves the connection, the credentials and that the schema is still there. Through
        // withConnection, not Pool#query: the latter trips vertx-sql-client#1706 when the database is down.
        return pool.get().withConnection(conn -> conn.query("SELECT 1 FROM decisions LIMIT 1").execute())
                .ifNoItem().after(config.database().healthTimeout()).fail()
                .map(rows -> {
                    builder.withData("schema", "migrated").withData("schema_version", schema.version());
                    describeFallback(builder);
                    // Serving checks from a half-loaded or missing index would answer "not banned" wrongly.
                    return (fallback.fresh() ? builder.up() : builder.down()).build();
                })
                .onFailure().recoverWithItem(failure -> {
                    Throwable classified = DatabaseErrors.classify("health", failure);
                    String code = classified instanceof DatabaseException db ? db.code().name()
                            : classified instanceof io.smallrye.mutiny.TimeoutException ? "DATABASE_TIMEOUT" : "INTERNAL_ERROR";
                    builder.withData("schema", "migrated").withData("error_code", code);
                    describeFallback(builder);
                    return (fallback.fresh() ? builder.up() : builder.down()).build();
                });
    }

    private void describeFallback(HealthCheckResponseBuilder builder) {
        fallback.describe().forEach((key, value) -> {
            if (value instanceof Boolean b) {
                builder.withData(key, b);
            } else if (value instanceof Number n && !(value instanceof Double)) {
                builder.withData(key, n.longValue());
            } else {
                builder.withData(key, String.valueOf(value));
            }
        });
    }
}
