package dev.banlist.source;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.config.BanlistConfig;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;

/** A source's labels: a string map stored as jsonb, merged by PATCH and capped in size. */
@ApplicationScoped
class SourceLabels {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() {
    };

    private final long maxBytes;

    SourceLabels(BanlistConfig config) {
        this.maxBytes = config.sources().maxLabelsSize().asLongValue();
    }

    /** The merged map and what the merge changed; removing an absent key counts as neither. */
    record Merge(Map<String, String> labels, int set, int removed) {
    }

    /** Applies a patch: a string sets the key, null removes it. */
    static Merge merge(Map<String, String> current, Map<String, String> patch) {
        Map<String, String> merged = new LinkedHashMap<>(current);
        int set = 0;
        int removed = 0;
        for (Map.Entry<String, String> e : patch.entrySet()) {
            if (e.getValue() == null) {
                if (merged.remove(e.getKey()) != null) {
                    removed++;
                }
            } else if (!e.getValue().equals(merged.put(e.getKey(), e.getValue()))) {
                set++;
            }
        }
        return new Merge(merged, set, removed);
    }

    /** Throws {@code 413 LABELS_TOO_LARGE} when the map, as stored, exceeds the cap. */
    void checkSize(Map<String, String> labels) {
        int size = toJson(labels).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (size > maxBytes) {
            throw new ApiException(ErrorCode.LABELS_TOO_LARGE, "Labels would take " + size
                    + " bytes as JSON; at most " + maxBytes + " are allowed.");
        }
    }

    static String toJson(Map<String, String> labels) {
        try {
            return JSON.writeValueAsString(labels);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> fromJson(String json) {
        try {
            return json == null ? new LinkedHashMap<>() : JSON.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("labels column holds no string map", e);
        }
    }
}
