package dev.banlist.distribution;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code banlist_enforcer_last_pull_age_seconds{key}}: one gauge per key name that pulled, at most {@code max} of
 * them. A key's gauge goes when the key is no longer known (revoked) or has not pulled within the retention
 * (when its bouncer cursors are purged too), so that the gauge shows no key that is gone and frees its slot.
 */
final class LastPullGauges {

    static final String NAME = "banlist.enforcer.last.pull.age.seconds";

    private final MeterRegistry registry;
    private final int max;
    private final long retentionMillis;
    private final LongSupplier clock;
    private final ConcurrentMap<String, Tracked> tracked = new ConcurrentHashMap<>();

    private record Tracked(AtomicLong at, Gauge gauge) {
    }

    LastPullGauges(MeterRegistry registry, int max, long retentionMillis, LongSupplier clock) {
        this.registry = registry;
        this.max = max;
        this.retentionMillis = retentionMillis;
        this.clock = clock;
    }

    void pulled(String keyName) {
        Tracked t = tracked.get(keyName);
        if (t == null) {
            if (tracked.size() >= max) {
                return;
            }
            t = tracked.computeIfAbsent(keyName, name -> {
                AtomicLong at = new AtomicLong(clock.getAsLong());
                Gauge gauge = Gauge.builder(NAME, at, a -> (clock.getAsLong() - a.get()) / 1000.0)
                        .description("Seconds since this enforcer key last pulled from this replica")
                        .tag("key", name).register(registry);
                return new Tracked(at, gauge);
            });
        }
        t.at().set(clock.getAsLong());
    }

    /** Removes the gauges of keys not in {@code known} and of keys that have not pulled within the retention. */
    void forget(Set<String> known) {
        long now = clock.getAsLong();
        tracked.forEach((name, t) -> {
            if ((!known.contains(name) || now - t.at().get() > retentionMillis) && tracked.remove(name, t)) {
                registry.remove(t.gauge());
            }
        });
    }

    int size() {
        return tracked.size();
    }
}
