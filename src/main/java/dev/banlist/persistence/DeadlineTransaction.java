package dev.banlist.persistence;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import dev.banlist.config.BanlistConfig;
import dev.banlist.error.ErrorCode;

/**
 * One write transaction on one pooled connection that ends by its {@link Deadline} with a certain outcome.
 *
 * <p>The server bounds each attempt too: {@code statement_timeout} is set to what is left of the budget when the
 * attempt starts (never more than {@code banlist.database.statement-timeout}), with {@code lock_timeout} and an
 * {@code idle_in_transaction_session_timeout}, so a transaction whose client froze loses its locks.
 *
 * <p>When the deadline passes before {@code COMMIT} was sent, the running statement is cancelled and the
 * transaction rolled back before the failure is answered: {@code COMMIT} is never sent after that, so
 * {@code DATABASE_TIMEOUT} means nothing was written. When it passes while {@code COMMIT} is in flight, or the
 * connection breaks then, the outcome cannot be known: {@code DATABASE_OUTCOME_UNKNOWN}, counted in
 * {@code banlist_db_outcome_unknown_total}.
 *
 * <p>The pool is looked up lazily so that a process started without a database reaches {@link SchemaMigrator}'s
 * clear message instead of failing on the pool.
 */
@ApplicationScoped
class DeadlineTransaction {

    private static final String SET_LOCAL_TIMEOUTS = "SELECT set_config('lock_timeout', $1, true), "
            + "set_config('statement_timeout', $2, true), set_config('idle_in_transaction_session_timeout', $3, true)";

    private final Instance<Pool> pool;
    private final DatabaseMetrics metrics;
    private final String lockTimeout;
    private final long statementTimeoutMillis;
    private final String idleInTransactionTimeout;
    /** Longest the answer waits for the cancel and the rollback of an expired attempt. */
    private final Duration rollbackGrace;

    DeadlineTransaction(Instance<Pool> pool, DatabaseMetrics metrics, BanlistConfig config) {
        this.pool = pool;
        this.metrics = metrics;
        this.lockTimeout = config.database().lockTimeout().toMillis() + "ms";
        this.statementTimeoutMillis = config.database().statementTimeout().toMillis();
        this.idleInTransactionTimeout = config.database().idleInTransactionTimeout().toMillis() + "ms";
        this.rollbackGrace = config.database().connectTimeout();
    }

    <T> Uni<T> run(String operation, Deadline deadline, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            if (deadline.expired()) {
                return Uni.createFrom().failure(timeout(operation));
            }
            return pool.get().getConnection()
                    .onFailure().transform(failure -> metrics.classifyAndCountBusy(operation, failure))
                    .chain(conn -> attempt(operation, deadline, conn, work)
                            .onTermination().call(() -> conn.close().onFailure().recoverWithNull()));
        });
    }

    private <T> Uni<T> attempt(String operation, Deadline deadline, SqlConnection conn,
            Function<SqlConnection, Uni<T>> work) {
        long remaining = deadline.remainingMillis();
        if (remaining <= 0) {
            return Uni.createFrom().failure(timeout(operation));
        }
        long statementTimeout = statementTimeoutMillis <= 0 ? remaining : Math.min(statementTimeoutMillis, remaining);
        return conn.begin().onFailure().transform(failure -> metrics.classifyAndCountBusy(operation, failure))
                .chain(tx -> {
                    Attempt<T> attempt = new Attempt<>(operation, conn, tx);
                    return conn.preparedQuery(SET_LOCAL_TIMEOUTS)
                            .execute(Tuple.of(lockTimeout, statementTimeout + "ms", idleInTransactionTimeout))
                            .chain(() -> work.apply(conn))
                            .chain(attempt::commit)
                            .ifNoItem().after(Duration.ofMillis(Math.max(1, deadline.remainingMillis())))
                            .recoverWithUni(attempt::expire)
                            .onFailure().call(attempt::rollbackUnlessEnded)
                            .onFailure().transform(failure -> metrics.classifyAndCountBusy(operation, failure));
                });
    }

    private static DatabaseException timeout(String operation) {
        return new DatabaseException(ErrorCode.DATABASE_TIMEOUT, null, operation, null);
    }

    private enum State { RUNNING, COMMITTING, COMMITTED, ENDED }

    /** The states of one attempt, shared by its work, its commit and its deadline, which race. */
    private final class Attempt<T> {
        private final String operation;
        private final SqlConnection conn;
        private final Transaction tx;
        private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
        private volatile T result;

        Attempt(String operation, SqlConnection conn, Transaction tx) {
            this.operation = operation;
            this.conn = conn;
            this.tx = tx;
        }

        Uni<T> commit(T value) {
            if (!state.compareAndSet(State.RUNNING, State.COMMITTING)) {
                return Uni.createFrom().failure(timeout(operation));
            }
            return tx.commit()
                    .onFailure().transform(this::commitFailed)
                    .map(ignored -> {
                        result = value;
                        state.set(State.COMMITTED);
                        return value;
                    });
        }

        /** A server's answer to COMMIT is certain (it rolled back); a broken connection leaves it unknown. */
        private Throwable commitFailed(Throwable failure) {
            Throwable classified = DatabaseErrors.classify(operation, failure);
            if (classified instanceof DatabaseException db && db.sqlState() == null
                    && db.code() == ErrorCode.DATABASE_UNAVAILABLE) {
                return outcomeUnknown(failure);
            }
            return failure;
        }

        /** The deadline passed with no answer yet. */
        Uni<T> expire() {
            if (state.compareAndSet(State.RUNNING, State.ENDED)) {
                // COMMIT was not sent and now never will be: cancel what runs and roll back before answering.
                return cancelRunningStatement()
                        .chain(() -> tx.rollback())
                        .ifNoItem().after(rollbackGrace).recoverWithItem((Void) null)
                        .onFailure().recoverWithNull()
                        .chain(() -> Uni.createFrom().failure(timeout(operation)));
            }
            if (state.get() == State.COMMITTED) {
                return Uni.createFrom().item(result);
            }
            return Uni.createFrom().failure(outcomeUnknown(null));
        }

        private DatabaseException outcomeUnknown(Throwable cause) {
            metrics.outcomeUnknown(operation);
            return new DatabaseException(ErrorCode.DATABASE_OUTCOME_UNKNOWN, null, operation, cause);
        }

        private Uni<Void> cancelRunningStatement() {
            if (conn.getDelegate() instanceof io.vertx.pgclient.PgConnection) {
                return PgConnection.cast(conn).cancelRequest().onFailure().recoverWithNull();
            }
            return Uni.createFrom().voidItem();
        }

        /** After a failed statement: roll back, unless the deadline or the commit already ended the transaction. */
        Uni<Void> rollbackUnlessEnded() {
            if (state.compareAndSet(State.RUNNING, State.ENDED)) {
                return tx.rollback().onFailure().recoverWithNull();
            }
            return Uni.createFrom().voidItem();
        }
    }
}
