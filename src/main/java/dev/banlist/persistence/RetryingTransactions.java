package dev.banlist.persistence;

import java.time.temporal.ChronoUnit;
import java.util.function.Function;

import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Retry;

/**
 * Runs one write transaction, and runs it again, whole, while the database reports contention.
 *
 * <p>Each attempt is a fresh transaction on a connection from the pool: a retry never resumes half of one. All
 * attempts share one {@link Deadline}; an attempt that meets it fails with {@code DATABASE_TIMEOUT}, which is not
 * retried. Every attempt's failure is classified by {@link DeadlineTransaction} so that {@code retryOn} sees
 * {@link DatabaseBusyException}, and every busy attempt is counted.
 */
@ApplicationScoped
class RetryingTransactions {

    private final DeadlineTransaction transaction;

    RetryingTransactions(DeadlineTransaction transaction) {
        this.transaction = transaction;
    }

    @Retry(retryOn = DatabaseBusyException.class, maxRetries = 3, delay = 50, jitter = 25,
            maxDuration = 2000, durationUnit = ChronoUnit.MILLIS)
    @ExponentialBackoff(factor = 2, maxDelay = 400)
    <T> Uni<T> write(String operation, Deadline deadline, Function<SqlConnection, Uni<T>> work) {
        return transaction.run(operation, deadline, work);
    }
}
