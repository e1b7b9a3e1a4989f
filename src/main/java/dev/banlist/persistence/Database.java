package dev.banlist.persistence;

import java.time.Duration;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import dev.banlist.config.BanlistConfig;
import dev.banlist.error.ErrorCode;

/**
 * The persistence boundary services use.
 *
 * <p>{@code write} runs the work in one transaction with {@code SET LOCAL} lock and statement timeouts; contention
 * ({@code DATABASE_BUSY}) runs the whole transaction again, and the unit with all its retries is bounded by one
 * timeout (see {@link TimedTransactions} and {@link RetryingTransactions}). A write that finally fails is counted
 * in {@code banlist_persist_failures_total} and logged once.
 *
 * <p>{@code read} runs the work on one pooled connection, bounded by the session {@code statement_timeout} and by
 * {@code banlist.database.read-timeout}. Reads take no row locks, so they are not retried: the only contention a
 * read meets is a saturated pool, which retrying would only make worse; it answers {@code DATABASE_BUSY} at once.
 *
 * <p>Callers change in-memory state only in what they chain after the returned {@code Uni} succeeds, that is
 * after the commit.
 */
@ApplicationScoped
public class Database {

    private static final Logger LOG = Logger.getLogger(Database.class);

    private final TimedTransactions timed;
    private final DeadlineTransaction transaction;
    private final Instance<Pool> pool;
    private final DatabaseMetrics metrics;
    private final Duration readTimeout;
    private final String lockTimeout;
    private final String idleInTransactionTimeout;

    Database(TimedTransactions timed, DeadlineTransaction transaction, Instance<Pool> pool, DatabaseMetrics metrics,
            BanlistConfig config) {
        this.timed = timed;
        this.transaction = transaction;
        this.pool = pool;
        this.metrics = metrics;
        this.readTimeout = config.database().readTimeout();
        this.lockTimeout = config.database().lockTimeout().toMillis() + "ms";
        this.idleInTransactionTimeout = config.database().idleInTransactionTimeout().toMillis() + "ms";
    }

    public <T> Uni<T> write(String operation, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> timed.write(operation, work))
                .onFailure().transform(failure -> {
                    Throwable classified = DatabaseErrors.classify(operation, failure);
                    if (classified instanceof DatabaseException db) {
                        metrics.persistFailed(db);
                        StructuredLog.warn(LOG, "persist_failed", db);
                    }
                    return classified;
                });
    }

    /**
     * One long write transaction for bulk work (an import's apply): the usual lock timeout, so it never holds up
     * API requests longer than that, but its own statement timeout, and no retry: its caller records the failure
     * and the next scheduled run starts over.
     */
    public <T> Uni<T> bulkWrite(String operation, Duration statementTimeout, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> pool.get().withTransaction(conn -> conn
                        .preparedQuery("SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true), "
                                + "set_config('idle_in_transaction_session_timeout', $3, true)")
                        .execute(io.vertx.mutiny.sqlclient.Tuple.of(lockTimeout, statementTimeout.toMillis() + "ms",
                                idleInTransactionTimeout))
                        .chain(() -> work.apply(conn))))
                .onFailure().transform(failure -> {
                    Throwable classified = metrics.classifyAndCountBusy(operation, failure);
                    if (classified instanceof DatabaseException db) {
                        metrics.persistFailed(db);
                        StructuredLog.warn(LOG, "persist_failed", db);
                    }
                    return classified;
                });
    }

    /**
     * A periodic job's write: one transaction with the usual timeouts, bounded by
     * {@code banlist.database.read-timeout} as a write is (rolled back, never committed after it fails), not
     * retried and not counted as a persist failure, because the job's next pass does it again and nothing is lost;
     * the job reports failures itself.
     */
    public <T> Uni<T> jobWrite(String operation, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> transaction.run(operation, Deadline.after(readTimeout), work));
    }

    public <T> Uni<T> read(String operation, Function<SqlConnection, Uni<T>> work) {
        return poll(operation, work).onFailure(DatabaseException.class)
                .invoke(failure -> StructuredLog.warn(LOG, "read_failed", (DatabaseException) failure));
    }

    /**
     * Several reads that must see one consistent state (the whole active set for the index): a repeatable-read,
     * read-only transaction with its own bound. Not retried (it takes no locks).
     */
    public <T> Uni<T> snapshotRead(String operation, Duration timeout, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> pool.get().withTransaction(conn -> conn
                        .query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute()
                        .chain(() -> work.apply(conn))))
                .ifNoItem().after(timeout)
                .failWith(() -> new DatabaseException(ErrorCode.DATABASE_TIMEOUT, null, operation, null))
                .onFailure().transform(failure -> metrics.classifyAndCountBusy(operation, failure));
    }

    /**
     * A read for background refreshers that keep serving their last state when the database fails and report
     * failures themselves (on change, not on every poll).
     */
    public <T> Uni<T> poll(String operation, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> pool.get().withConnection(work))
                .ifNoItem().after(readTimeout)
                .failWith(() -> new DatabaseException(ErrorCode.DATABASE_TIMEOUT, null, operation, null))
                .onFailure().transform(failure -> metrics.classifyAndCountBusy(operation, failure));
    }
}
