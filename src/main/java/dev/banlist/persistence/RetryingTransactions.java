package dev.banlist.persistence;

import java.time.temporal.ChronoUnit;
import java.util.function.Function;

import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.faulttolerance.Retry;

import dev.banlist.config.BanlistConfig;

/**
 * Runs one write transaction, and runs it again, whole, while the database reports contention.
 *
 * <p>Each attempt is a fresh transaction on a connection from the pool: a retry never resumes half of one.
 * Every attempt's failure is classified here so that {@code retryOn} sees {@link DatabaseBusyException}, and
 * every busy attempt is counted. The pool is looked up lazily so that a process started without a database
 * reaches {@link SchemaMigrator}'s clear message instead of failing on the pool.
 */
@ApplicationScoped
class RetryingTransactions {

    private static final String SET_LOCAL_TIMEOUTS =
            "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)";

    private final Instance<Pool> pool;
    private final DatabaseMetrics metrics;
    private final String lockTimeout;
    private final String statementTimeout;

    RetryingTransactions(Instance<Pool> pool, DatabaseMetrics metrics, BanlistConfig config) {
        this.pool = pool;
        this.metrics = metrics;
        this.lockTimeout = config.database().lockTimeout().toMillis() + "ms";
        this.statementTimeout = config.database().statementTimeout().toMillis() + "ms";
    }

    @Retry(retryOn = DatabaseBusyException.class, maxRetries = 3, delay = 50, jitter = 25,
            maxDuration = 2000, durationUnit = ChronoUnit.MILLIS)
    @ExponentialBackoff(factor = 2, maxDelay = 400)
    <T> Uni<T> write(String operation, Function<SqlConnection, Uni<T>> work) {
        return pool.get().withTransaction(conn -> conn.preparedQuery(SET_LOCAL_TIMEOUTS)
                        .execute(Tuple.of(lockTimeout, statementTimeout))
                        .chain(() -> work.apply(conn)))
                .onFailure().transform(failure -> metrics.classifyAndCountBusy(operation, failure));
    }
}
