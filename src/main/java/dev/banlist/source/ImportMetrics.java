package dev.banlist.source;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Import metrics, tagged by source name (operator-defined and few; never an address). The gauges are read from
 * the database on every replica, so each one reports the same state whichever replica ran the import.
 */
@ApplicationScoped
class ImportMetrics {

    private final MeterRegistry registry;
    private final MultiGauge up;
    private final MultiGauge lastSuccess;

    ImportMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.up = MultiGauge.builder("banlist.source.up")
                .description("1 while the source's last run succeeded (or it has not run yet), 0 when degraded or gone")
                .register(registry);
        this.lastSuccess = MultiGauge.builder("banlist.source.last.success.timestamp.seconds")
                .description("When the source last ran successfully (applied, unchanged or not modified)")
                .register(registry);
    }

    void run(String source, String status, Duration duration) {
        registry.counter("banlist.import.runs", "source", source, "status", status).increment();
        if (duration != null) {
            Timer.builder("banlist.import.duration").tag("source", source)
                    .description("Duration of import runs, download included")
                    .register(registry).record(duration);
        }
    }

    void entries(String source, int added, int removed) {
        registry.counter("banlist.import.entries", "source", source, "change", "added").increment(added);
        registry.counter("banlist.import.entries", "source", source, "change", "removed").increment(removed);
    }

    void skippedLocked(String source) {
        registry.counter("banlist.import.skipped.locked", "source", source).increment();
    }

    /** Replaces the gauges with the sources as they now stand; deleted sources disappear. */
    void sources(List<SourceRepository.SourceRow> sources) {
        List<MultiGauge.Row<?>> upRows = new ArrayList<>();
        List<MultiGauge.Row<?>> successRows = new ArrayList<>();
        for (SourceRepository.SourceRow s : sources) {
            Tags tags = Tags.of("source", s.name());
            String status = s.status();
            upRows.add(MultiGauge.Row.of(tags, status.equals("ok") || status.equals("pending") ? 1 : 0));
            Instant at = s.view().lastSuccessAt();
            if (at != null) {
                successRows.add(MultiGauge.Row.of(tags, at.toEpochMilli() / 1000.0));
            }
        }
        up.register(upRows, true);
        lastSuccess.register(successRows, true);
    }
}
