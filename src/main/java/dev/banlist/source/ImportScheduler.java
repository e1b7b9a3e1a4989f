package dev.banlist.source;

import java.time.Duration;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import dev.banlist.config.BanlistConfig;
import dev.banlist.persistence.Database;
import dev.banlist.persistence.SchemaNotMigrated;

/**
 * Every replica looks for due sources on each tick and queues them; the per-source advisory lock and the due
 * check under it make sure each due run happens once across replicas.
 */
@ApplicationScoped
class ImportScheduler {

    private static final Logger LOG = Logger.getLogger(ImportScheduler.class);
    private static final int MAX_DUE_PER_TICK = 100;

    private final Database database;
    private final SourceRepository sources;
    private final ImportRunner runner;
    private final ImportMetrics metrics;
    private final Duration runRetention;
    private volatile boolean failing;

    ImportScheduler(Database database, SourceRepository sources, ImportRunner runner, ImportMetrics metrics,
            BanlistConfig config) {
        this.database = database;
        this.sources = sources;
        this.runner = runner;
        this.metrics = metrics;
        this.runRetention = config.sources().runRetention();
    }

    @Scheduled(identity = "source-imports", every = "${banlist.sources.schedule-tick}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = SchemaNotMigrated.class)
    void tick() {
        try {
            // one connection for both: the due sources, and all of them for the gauges
            database.poll("source.due", conn -> sources.due(conn, MAX_DUE_PER_TICK)
                            .chain(due -> sources.list(conn).invoke(metrics::sources).replaceWith(due)))
                    .await().atMost(Duration.ofSeconds(30))
                    .forEach(runner::submitScheduled);
            if (failing) {
                failing = false;
                LOG.info("Looking for due sources works again");
            }
        } catch (RuntimeException e) {
            if (!failing) {
                failing = true;
                LOG.warnf("Cannot look for due sources: %s", e.getMessage());
            }
        }
    }

    @Scheduled(identity = "source-run-retention", every = "1h", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = SchemaNotMigrated.class)
    void purgeRuns() {
        try {
            int purged = database.write("source.run.purge", conn -> sources.purgeRuns(conn, runRetention))
                    .await().atMost(Duration.ofMinutes(1));
            if (purged > 0) {
                LOG.infof("Removed %d import runs older than %s", purged, Durations.format(runRetention));
            }
        } catch (RuntimeException e) {
            LOG.warnf("Could not purge old import runs: %s", e.getMessage());
        }
    }
}
