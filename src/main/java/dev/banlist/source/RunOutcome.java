package dev.banlist.source;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** What a run did, as written to the run log. */
record RunOutcome(String status, Integer httpStatus, Long bytes, Integer entries, Integer added, Integer removed,
        Integer protectedEntries, Integer invalidLines, List<SourceRun.InvalidLineSample> samples, String errorCode,
        String message) {

    static final String SUCCESS = "success";
    static final String NOT_MODIFIED = "not_modified";
    static final String UNCHANGED = "unchanged";
    static final String FAILED = "failed";
    static final String SKIPPED_LOCKED = "skipped_locked";
    /** The source's settings changed (or its deletion began) during the run: recorded in the run log only. */
    static final String SUPERSEDED = "superseded";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<SourceRun.InvalidLineSample>> SAMPLES = new TypeReference<>() {
    };

    static RunOutcome failed(ImportFailure failure, Long bytes, ListParser parser) {
        return new RunOutcome(FAILED, failure.httpStatus(), bytes, null, null, null, null,
                parser == null ? null : (int) parser.invalidLines(), parser == null ? null : samples(parser),
                failure.code().name(), failure.getMessage());
    }

    /**
     * The run log entry of a run whose source changed under it: what it saw, nothing applied, its own outcome
     * (a failure's code and message) kept for the record.
     */
    static RunOutcome superseded(RunOutcome own) {
        String message = "The source's settings changed (or its deletion began) during the run: nothing was applied"
                + " or recorded on the source, which is due again now"
                + (own.status().equals(SUCCESS) ? "" : "; the run itself was " + own.status().replace('_', ' ')
                        + (own.message() == null ? "" : ": " + own.message()));
        return new RunOutcome(SUPERSEDED, own.httpStatus(), own.bytes(), own.entries(), null, null,
                own.protectedEntries(), own.invalidLines(), own.samples(), own.errorCode(), message);
    }

    static List<SourceRun.InvalidLineSample> samples(ListParser parser) {
        return parser.samples().stream().map(s -> new SourceRun.InvalidLineSample(s.line(), s.text())).toList();
    }

    String samplesJson() {
        if (samples == null || samples.isEmpty()) {
            return null;
        }
        try {
            return JSON.writeValueAsString(samples);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<SourceRun.InvalidLineSample> samples(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            return JSON.readValue(json, SAMPLES);
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }
}
