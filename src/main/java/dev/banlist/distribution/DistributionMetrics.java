package dev.banlist.distribution;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.config.BanlistConfig;
import dev.banlist.index.IndexSynchronizer;

/**
 * What enforcers pull. Tags are endpoint, kind, format and result names and, for the last-pull age, API key names:
 * a bounded set (at most {@code banlist.distribution.max-tracked-keys}), never a client address.
 */
@ApplicationScoped
public class DistributionMetrics {

    private final MeterRegistry registry;
    private final int maxTrackedKeys;
    private final ConcurrentMap<String, AtomicLong> lastPull = new ConcurrentHashMap<>();

    DistributionMetrics(MeterRegistry registry, IndexSynchronizer index, BanlistConfig config) {
        this.registry = registry;
        this.maxTrackedKeys = config.distribution().maxTrackedKeys();
        Gauge.builder("banlist.stream.waiters", index, IndexSynchronizer::waiting)
                .description("Long polls waiting for a change on this replica").register(registry);
    }

    /** {@code endpoint}: stream or crowdsec; {@code kind}: snapshot, delta or lookup. */
    public void streamed(String endpoint, String kind, long bytes) {
        registry.counter("banlist.stream.requests", "endpoint", endpoint, "kind", kind).increment();
        registry.counter("banlist.stream.bytes", "endpoint", endpoint, "kind", kind).increment(bytes);
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
        AtomicLong at = lastPull.get(keyName);
        if (at == null) {
            if (lastPull.size() >= maxTrackedKeys) {
                return;
            }
            at = lastPull.computeIfAbsent(keyName, name -> {
                AtomicLong created = new AtomicLong(System.currentTimeMillis());
                Gauge.builder("banlist.enforcer.last.pull.age.seconds", created,
                                t -> (System.currentTimeMillis() - t.get()) / 1000.0)
                        .description("Seconds since this enforcer key last pulled from this replica")
                        .tag("key", name).register(registry);
                return created;
            });
        }
        at.set(System.currentTimeMillis());
    }
}
