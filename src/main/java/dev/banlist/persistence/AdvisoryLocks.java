package dev.banlist.persistence;

import java.util.Optional;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.banlist.config.BanlistConfig;

/**
 * PostgreSQL session advisory locks held across the steps of a long job, on a connection of their own.
 *
 * <p>The connection is opened for the lock and closed to release it, never returned to the pool: a session lock
 * left on a pooled connection would stay held by whatever borrows it next. A killed process drops its
 * connection, so the server releases the lock with it.
 */
@ApplicationScoped
public class AdvisoryLocks {

    /** Lock classes (the first key of the two-key form), one per kind of job. */
    public static final int SOURCE_IMPORT = 0x424c0001;
    /**
     * Taken as a transaction lock by an import's apply. The run's session lock is released the moment a killed
     * process's idle lock connection drops, while its apply statement may still be running on the server for a
     * while: the next apply of that source waits for this lock instead of colliding with the dying one.
     */
    public static final int SOURCE_APPLY = 0x424c0002;

    private final Vertx vertx;
    private final BanlistConfig config;
    private final String url;
    private final String user;
    private final Optional<String> password;

    AdvisoryLocks(Vertx vertx, BanlistConfig config,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") Optional<String> url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        this.config = config;
        this.url = url.orElse("");
        this.user = user.orElse("");
        this.password = password;
    }

    /** A held lock; closing it releases the lock. */
    public static final class Held implements AutoCloseable {
        private final PgConnection connection;

        Held(PgConnection connection) {
            this.connection = connection;
        }

        /** Fails when the lock's connection is gone (and with it the lock). */
        public Uni<Void> verify() {
            return connection.query("SELECT 1").execute().replaceWithVoid();
        }

        @Override
        public void close() {
            connection.closeAndForget();
        }
    }

    /** Takes the lock if it is free; an empty result when another session holds it. */
    public Uni<Optional<Held>> tryLock(int lockClass, long id) {
        PgConnectOptions options = PgConnectOptions.fromUri(url)
                .setUser(user)
                .setConnectTimeout((int) config.database().connectTimeout().toMillis())
                .addProperty("application_name", "banlist-lock");
        password.ifPresent(options::setPassword);
        return PgConnection.connect(vertx, options)
                .onFailure().transform(failure -> DatabaseErrors.classify("advisory_lock", failure))
                .chain(conn -> conn.preparedQuery("SELECT pg_try_advisory_lock($1, $2)")
                        .execute(Tuple.of(lockClass, (int) id))
                        .map(rows -> rows.iterator().next().getBoolean(0)
                                ? Optional.of(new Held(conn))
                                : Optional.<Held>empty())
                        .onItem().invoke(held -> {
                            if (held.isEmpty()) {
                                conn.closeAndForget();
                            }
                        })
                        .onFailure().invoke(conn::closeAndForget)
                        .onFailure().transform(failure -> DatabaseErrors.classify("advisory_lock", failure)));
    }
}
