package dev.banlist.persistence;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/** The persistence counters. Tags are operation names and error codes only: a small, fixed set. */
@ApplicationScoped
class DatabaseMetrics {

    private final MeterRegistry registry;

    DatabaseMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Classifies a failure and counts it in {@code banlist_db_busy_total} when it is contention. */
    Throwable classifyAndCountBusy(String operation, Throwable failure) {
        Throwable classified = DatabaseErrors.classify(operation, failure);
        if (classified instanceof DatabaseBusyException) {
            registry.counter("banlist.db.busy", "operation", operation).increment();
        }
        return classified;
    }

    /** {@code banlist_persist_failures_total}: a write that failed for good, after its retries. */
    void persistFailed(DatabaseException failure) {
        registry.counter("banlist.persist.failures",
                "operation", failure.operation(), "error_code", failure.code().name()).increment();
    }

    /** {@code banlist_db_outcome_unknown_total}: a write whose COMMIT was in flight when it timed out or broke. */
    void outcomeUnknown(String operation) {
        registry.counter("banlist.db.outcome.unknown", "operation", operation).increment();
    }
}
