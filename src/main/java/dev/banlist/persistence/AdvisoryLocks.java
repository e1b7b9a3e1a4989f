package dev.banlist.persistence;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;

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
    /**
     * Taken as a transaction lock ({@code pg_try_advisory_xact_lock}) by the change log's periodic jobs, so that one
     * replica at a time runs each: the second key is one of the job ids below.
     */
    public static final int CHANGE_LOG_JOB = 0x424c0003;
    public static final int EXPIRY_JOB = 1;
    public static final int PURGE_JOB = 2;

    private final Vertx vertx;
    private final DirectConnections connections;
    private final Duration sessionTimeout;

    AdvisoryLocks(Vertx vertx, DirectConnections connections, BanlistConfig config) {
        this.vertx = vertx;
        this.connections = connections;
        this.sessionTimeout = config.database().lockSessionTimeout();
    }

    /**
     * A held lock; closing it releases the lock. Its connection is pinged at a third of the server's
     * {@code idle_session_timeout}: a holder that is frozen (or whose pings stop reaching the server) loses the
     * session, and the lock with it, after that timeout, and another replica can take over.
     */
    public static final class Held implements AutoCloseable {
        private final Vertx vertx;
        private final PgConnection connection;
        private final int lockClass;
        private final long id;
        private final long pinger;

        Held(Vertx vertx, PgConnection connection, int lockClass, long id, Duration sessionTimeout) {
            this.vertx = vertx;
            this.connection = connection;
            this.lockClass = lockClass;
            this.id = id;
            this.pinger = vertx.setPeriodic(Math.max(100, sessionTimeout.toMillis() / 3),
                    ignored -> connection.query("SELECT 1").execute().subscribe().with(rows -> { }, failure -> { }));
        }

        /** Fails when the lock's connection is gone (and with it the lock). */
        public Uni<Void> verify() {
            return connection.query("SELECT 1").execute().replaceWithVoid();
        }

        /**
         * Whether this lock is still held by its session, read in the caller's transaction: a check made under
         * the caller's own locks, so a holder that lost the lock while frozen finds out before it writes.
         */
        public Uni<Boolean> stillHeld(SqlClient client) {
            return client.preparedQuery("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                            + " AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2 AND pid = $3 AND granted)")
                    .execute(Tuple.of(Integer.toUnsignedLong(lockClass), Integer.toUnsignedLong((int) id), connection.processId()))
                    .map(rows -> rows.iterator().next().getBoolean(0));
        }

        @Override
        public void close() {
            vertx.cancelTimer(pinger);
            connection.closeAndForget();
        }
    }

    /** Takes the lock if it is free; an empty result when another session holds it. */
    public Uni<Optional<Held>> tryLock(int lockClass, long id) {
        PgConnectOptions options = connections.options("banlist-lock")
                .addProperty("idle_session_timeout", Long.toString(sessionTimeout.toMillis()));
        return PgConnection.connect(vertx, options)
                .onFailure().transform(failure -> DatabaseErrors.classify("advisory_lock", failure))
                .chain(conn -> conn.preparedQuery("SELECT pg_try_advisory_lock($1, $2)")
                        .execute(Tuple.of(lockClass, (int) id))
                        .map(rows -> rows.iterator().next().getBoolean(0)
                                ? Optional.of(new Held(vertx, conn, lockClass, id, sessionTimeout))
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
