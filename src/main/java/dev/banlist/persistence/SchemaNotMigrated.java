package dev.banlist.persistence;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import jakarta.inject.Singleton;

/** Skips scheduled database work until the schema is migrated (also: until the application runs). */
@Singleton
public class SchemaNotMigrated implements Scheduled.SkipPredicate {

    private final SchemaMigrator migrator;

    SchemaNotMigrated(SchemaMigrator migrator) {
        this.migrator = migrator;
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !migrator.state().migrated();
    }
}
