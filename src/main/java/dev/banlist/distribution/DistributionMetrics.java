package dev.banlist.distribution;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.config.BanlistConfig;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.security.ApiKeyRegistry;

/**
 * What enforcers pull. Tags are endpoint, kind, format and result names and, for the last-pull age, API key names:
 * a bounded set (at most {@code banlist.distribution.max-tracked-keys}, forgotten once gone: {@link LastPullGauges}),
 * never a client address.
 */
@ApplicationScoped
public class DistributionMetrics {

    private final MeterRegistry registry;
    private final ApiKeyRegistry keys;
    private final LastPullGauges lastPull;
    private final Counter lookups;
    private final Counter lookupBytes;

    DistributionMetrics(MeterRegistry registry, IndexSynchronizer index, ApiKeyRegistry keys, BanlistConfig config) {
        this.registry = registry;
        this.keys = keys;
        this.lastPull = new LastPullGauges(registry, config.distribution().maxTrackedKeys(),
                config.distribution().retention().toMillis(), System::currentTimeMillis);
        Gauge.builder("banlist.stream.waiters", index, IndexSynchronizer::waiting)
                .description("Long polls waiting for a change on this replica").register(registry);
        // Resolved once: the lookup is a hot path, and a meter lookup by name and tags allocates on every call.
        this.lookups = registry.counter("banlist.stream.requests", "endpoint", "crowdsec", "kind", "lookup");
        this.lookupBytes = registry.counter("banlist.stream.bytes", "endpoint", "crowdsec", "kind", "lookup");
    }

    /** {@code endpoint}: stream or crowdsec; {@code kind}: snapshot, delta or lookup. */
    public void streamed(String endpoint, String kind, long bytes) {
        registry.counter("banlist.stream.requests", "endpoint", endpoint, "kind", kind).increment();
        registry.counter("banlist.stream.bytes", "endpoint", endpoint, "kind", kind).increment(bytes);
    }

    /** A CrowdSec point lookup answered ({@code endpoint=crowdsec}, {@code kind=lookup}). */
    public void lookedUp(long bytes) {
        lookups.increment();
        lookupBytes.increment(bytes);
    }

    /** {@code result}: 200 or 304; the 304 ratio is the one over the sum. */
    public void exported(String format, String result, long bytes) {
        registry.counter("banlist.export.requests", "format", format, "result", result).increment();
        if (bytes > 0) {
            registry.counter("banlist.export.bytes", "format", format).increment(bytes);
        }
    }

    /** An enforcer key pulled now: its age gauge restarts from zero. */
    public void pulled(String keyName) {
        lastPull.pulled(keyName);
    }

    @Scheduled(every = "${banlist.keys.refresh-interval:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void forgetGone() {
        lastPull.forget(keys.names());
    }
}
