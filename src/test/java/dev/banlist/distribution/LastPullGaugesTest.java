package dev.banlist.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class LastPullGaugesTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final LastPullGauges gauges = new LastPullGauges(registry, 2, 60_000, now::get);

    private Double age(String key) {
        var gauge = registry.find(LastPullGauges.NAME).tag("key", key).gauge();
        return gauge == null ? null : gauge.value();
    }

    @Test
    void theAgeCountsFromTheLastPull() {
        gauges.pulled("edge");
        now.addAndGet(5_000);
        assertEquals(5.0, age("edge"));
        gauges.pulled("edge");
        assertEquals(0.0, age("edge"));
    }

    @Test
    void aRevokedKeysGaugeIsRemovedAndFreesItsSlot() {
        gauges.pulled("edge");
        gauges.pulled("nginx");
        gauges.pulled("third");
        assertNull(age("third"), "at most two keys are tracked");
        gauges.forget(Set.of("nginx", "third"));
        assertNull(age("edge"));
        assertNotNull(age("nginx"));
        gauges.pulled("third");
        assertNotNull(age("third"));
    }

    @Test
    void aKeyThatHasNotPulledWithinTheRetentionIsForgotten() {
        gauges.pulled("edge");
        gauges.pulled("nginx");
        now.addAndGet(30_000);
        gauges.pulled("nginx");
        now.addAndGet(30_001);
        gauges.forget(Set.of("edge", "nginx"));
        assertNull(age("edge"), "its bouncer cursors are purged now too");
        assertEquals(30.001, age("nginx"));
        assertEquals(1, gauges.size());
    }
}
