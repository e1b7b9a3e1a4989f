package dev.banlist.source;

import java.time.Instant;
import java.util.List;

/** One import run in the run log. */
public record SourceRun(long id, long sourceId, String trigger, String instance, Instant startedAt,
        Instant finishedAt, String status, Integer httpStatus, Long bytes, Integer entries, Integer added,
        Integer removed, @com.fasterxml.jackson.annotation.JsonProperty("protected") Integer protectedEntries, Integer invalidLines, List<InvalidLineSample> invalidSamples,
        String errorCode, String message) {

    /** An invalid line of the list: its number and (printable, shortened) text. */
    @io.quarkus.runtime.annotations.RegisterForReflection // read back from jsonb by an ObjectMapper of our own
    public record InvalidLineSample(long line, String text) {
    }
}
