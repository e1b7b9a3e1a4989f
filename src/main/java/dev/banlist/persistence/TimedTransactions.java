package dev.banlist.persistence;

import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Timeout;

/** Bounds a write transaction and all its retries together: a request never waits on the database longer than this. */
@ApplicationScoped
class TimedTransactions {

    private final RetryingTransactions retrying;

    TimedTransactions(RetryingTransactions retrying) {
        this.retrying = retrying;
    }

    @Timeout(3000)
    <T> Uni<T> write(String operation, Function<SqlConnection, Uni<T>> work) {
        return retrying.write(operation, work);
    }
}
