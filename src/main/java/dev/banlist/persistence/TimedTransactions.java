package dev.banlist.persistence;

import java.time.Duration;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.config.BanlistConfig;

/**
 * Bounds a write transaction and all its retries together: a request never waits on the database longer than
 * {@code banlist.database.write-timeout}. The budget is a deadline handed to every attempt rather than a timer
 * around them, so that the attempt running when it expires is cancelled and rolled back before the request is
 * answered (see {@link DeadlineTransaction}): a timed-out write never commits afterwards.
 */
@ApplicationScoped
class TimedTransactions {

    private final RetryingTransactions retrying;
    private final Duration budget;

    TimedTransactions(RetryingTransactions retrying, BanlistConfig config) {
        this.retrying = retrying;
        this.budget = config.database().writeTimeout();
    }

    <T> Uni<T> write(String operation, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> retrying.write(operation, Deadline.after(budget), work));
    }
}
