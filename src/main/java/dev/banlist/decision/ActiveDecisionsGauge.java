package dev.banlist.decision;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.persistence.Database;
import dev.banlist.persistence.SchemaNotMigrated;

/**
 * {@code banlist_decisions_active{scope}}, recounted from the database: the gauge shows what is committed, and
 * keeps its last value while the database is unreachable.
 */
@ApplicationScoped
public class ActiveDecisionsGauge {

    private final Database database;
    private final DecisionRepository repository;
    private final AtomicLong ips = new AtomicLong();
    private final AtomicLong ranges = new AtomicLong();

    ActiveDecisionsGauge(Database database, DecisionRepository repository, MeterRegistry registry) {
        this.database = database;
        this.repository = repository;
        Gauge.builder("banlist.decisions.active", ips, AtomicLong::get).tag("scope", "ip")
                .description("Active decisions for single addresses").register(registry);
        Gauge.builder("banlist.decisions.active", ranges, AtomicLong::get).tag("scope", "range")
                .description("Active decisions for networks").register(registry);
    }

    @Scheduled(every = "${banlist.decisions.active-gauge-refresh:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = SchemaNotMigrated.class)
    Uni<Void> refresh() {
        return database.poll("decision.count", repository::countActiveByScope)
                .invoke(counts -> {
                    ips.set(counts[0]);
                    ranges.set(counts[1]);
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
