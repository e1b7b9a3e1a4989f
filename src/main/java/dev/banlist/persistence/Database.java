package dev.banlist.persistence;

import java.util.function.Function;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * The persistence boundary services use. {@code write} runs the work in one transaction with {@code SET LOCAL}
 * lock and statement timeouts; {@code read} on one pooled connection. Both retry contention (the whole unit
 * again) within one overall timeout, and a final failure is classified, logged once and, for writes, counted.
 *
 * <p>Callers change in-memory state only in what they chain after the returned {@code Uni} succeeds, that is
 * after the commit.
 */
@ApplicationScoped
public class Database {

    private static final Logger LOG = Logger.getLogger(Database.class);

    private final TimedTransactions timed;
    private final MeterRegistry registry;

    Database(TimedTransactions timed, MeterRegistry registry) {
        this.timed = timed;
        this.registry = registry;
    }

    public <T> Uni<T> write(String operation, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> timed.write(operation, work))
                .onFailure().transform(failure -> {
                    Throwable classified = DatabaseErrors.classify(operation, failure);
                    if (classified instanceof DatabaseException db) {
                        registry.counter("banlist.persist.failures",
                                "operation", operation, "error_code", db.code().name()).increment();
                        StructuredLog.warn(LOG, "persist_failed", db);
                    }
                    return classified;
                });
    }

    /**
     * A read for background refreshers that keep serving their last state when the database fails and report
     * failures themselves (on change, not on every poll). Classified, retried and timed like {@link #read}.
     */
    public <T> Uni<T> poll(String operation, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> timed.read(operation, work))
                .onFailure().transform(failure -> DatabaseErrors.classify(operation, failure));
    }

    public <T> Uni<T> read(String operation, Function<SqlConnection, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> timed.read(operation, work))
                .onFailure().transform(failure -> {
                    Throwable classified = DatabaseErrors.classify(operation, failure);
                    if (classified instanceof DatabaseException db) {
                        StructuredLog.warn(LOG, "read_failed", db);
                    }
                    return classified;
                });
    }
}
