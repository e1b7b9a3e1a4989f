package dev.banlist.changes;

import java.time.Duration;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import dev.banlist.config.BanlistConfig;
import dev.banlist.persistence.AdvisoryLocks;
import dev.banlist.persistence.Database;
import dev.banlist.persistence.SchemaNotMigrated;

/**
 * The change log's periodic jobs, each run by one replica at a time (a transaction advisory lock; the others skip
 * the pass): expiry, which turns a passed expiry into a change, and purging past the retention.
 */
@ApplicationScoped
public class ChangeLogJobs {

    private static final Logger LOG = Logger.getLogger(ChangeLogJobs.class);
    private static final int PURGE_BATCH = 50_000;
    private static final Duration PURGE_STATEMENT_TIMEOUT = Duration.ofMinutes(1);

    private final Database database;
    private final ChangeLogRepository repository;
    private final BanlistConfig.Distribution config;
    private volatile boolean expiryFailing;

    ChangeLogJobs(Database database, ChangeLogRepository repository, BanlistConfig config) {
        this.database = database;
        this.repository = repository;
        this.config = config.distribution();
    }

    /**
     * Nobody writes to a decision when its time runs out, so without this an enforcer would never receive its
     * deletion. Ends expired decisions in batches; the triggers log and announce each.
     */
    @Scheduled(identity = "decision-expiry", every = "${banlist.distribution.expiry-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = SchemaNotMigrated.class)
    Uni<Void> expire() {
        return database.jobWrite("decision.expire", conn -> locked(conn, AdvisoryLocks.EXPIRY_JOB)
                        .chain(locked -> locked ? repository.endExpired(conn, config.expiryBatch()) : Uni.createFrom().item(0)))
                .onItem().invoke(ended -> {
                    if (ended > 0) {
                        LOG.debugf("Ended %d expired decisions", ended);
                    }
                })
                .onItem().invoke(ended -> {
                    if (expiryFailing) {
                        expiryFailing = false;
                        LOG.info("Expiry passes work again");
                    }
                })
                .onFailure().recoverWithItem(failure -> {
                    if (!expiryFailing) {
                        expiryFailing = true;
                        LOG.warnf("Expiry pass failed; every pass retries: %s", failure.toString());
                    }
                    return 0;
                })
                .replaceWithVoid();
    }

    @Scheduled(identity = "change-log-purge", every = "${banlist.distribution.purge-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = SchemaNotMigrated.class)
    Uni<Void> purge() {
        return purgeBatch(0).replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Change-log purge failed (the next pass retries): %s", failure.toString());
                    return null;
                });
    }

    private Uni<Integer> purgeBatch(int purgedSoFar) {
        return database.bulkWrite("change_log.purge", PURGE_STATEMENT_TIMEOUT, conn -> locked(conn, AdvisoryLocks.PURGE_JOB).chain(locked -> locked
                                ? repository.purge(conn, config.retention(), PURGE_BATCH)
                                        .call(n -> repository.purgeBouncerCursors(conn, config.retention()))
                                : Uni.createFrom().item(0)))
                .chain(n -> {
                    if (n == PURGE_BATCH) {
                        return purgeBatch(purgedSoFar + n);
                    }
                    if (purgedSoFar + n > 0) {
                        LOG.infof("Purged %d change-log entries older than %s", purgedSoFar + n, config.retention());
                    }
                    return Uni.createFrom().item(purgedSoFar + n);
                });
    }

    private static Uni<Boolean> locked(io.vertx.mutiny.sqlclient.SqlConnection conn, int job) {
        return conn.preparedQuery("SELECT pg_try_advisory_xact_lock($1, $2)")
                .execute(Tuple.of(AdvisoryLocks.CHANGE_LOG_JOB, job))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }
}
