package dev.banlist.persistence;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import dev.banlist.error.ErrorCode;

/**
 * Migrates the schema at start and, while that fails (database down, wrong password...), again every
 * {@code banlist.database.migration-retry-interval}, so that the service comes up and reports why it is not
 * ready instead of crash-looping. Without any database configured it stops the process at once.
 */
@ApplicationScoped
public class SchemaMigrator {

    private static final Logger LOG = Logger.getLogger(SchemaMigrator.class);

    /** What readiness reports about the schema. */
    public record State(boolean migrated, ErrorCode lastError, String version) {
    }

    private final Instance<Flyway> flyway;
    private final Optional<String> url;
    private final Scheduler scheduler;
    private final AtomicReference<State> state = new AtomicReference<>(new State(false, null, null));

    SchemaMigrator(Instance<Flyway> flyway,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") Optional<String> url, Scheduler scheduler) {
        this.flyway = flyway;
        this.url = url;
        this.scheduler = scheduler;
    }

    void onStart(@Observes @Priority(1) StartupEvent event) {
        if (url.isEmpty() || url.get().isBlank()) {
            LOG.error("No database configured: set DB_URL=postgresql://host:port/database, DB_USER and DB_PASSWORD"
                    + " (or QUARKUS_DATASOURCE_REACTIVE_URL, QUARKUS_DATASOURCE_USERNAME, QUARKUS_DATASOURCE_PASSWORD)");
            scheduler.pause(); // nothing may run, or log, while the process stops
            Quarkus.asyncExit(1);
            return;
        }
        migrate();
    }

    @Scheduled(every = "${banlist.database.migration-retry-interval:5s}", delayed = "${banlist.database.migration-retry-interval:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retry() {
        if (!state.get().migrated() && url.isPresent()) {
            migrate();
        }
    }

    synchronized void migrate() {
        if (state.get().migrated()) {
            return;
        }
        try {
            var result = flyway.get().migrate();
            String version = result.targetSchemaVersion != null ? result.targetSchemaVersion
                    : flyway.get().info().current() == null ? null : flyway.get().info().current().getVersion().getVersion();
            state.set(new State(true, null, version));
            LOG.infof("event=schema_migrated version=%s applied=%d", version, result.migrationsExecuted);
        } catch (RuntimeException e) {
            // Logged when the cause changes, not on every retry.
            Throwable classified = DatabaseErrors.classify("schema.migrate", e);
            ErrorCode code = classified instanceof DatabaseException db ? db.code() : ErrorCode.INTERNAL_ERROR;
            boolean changed = code != state.get().lastError();
            state.set(new State(false, code, null));
            if (changed && classified instanceof DatabaseException db) {
                StructuredLog.warn(LOG, "schema_migration_failed", db);
            } else if (changed) {
                LOG.error("event=schema_migration_failed error_code=INTERNAL_ERROR", e);
            }
        }
    }

    public State state() {
        return state.get();
    }
}
