package dev.banlist.source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.config.BanlistConfig;
import dev.banlist.decision.BanDuration;
import dev.banlist.error.FieldError;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;

/** Turns a posted or put source into a {@link SourceSpec}, reporting every bad field at once. */
@ApplicationScoped
class SourceRequests {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    static final Pattern JAIL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final String UNTIL_REMOVED = "until_removed";
    private static final int MAX_URL = 2048;
    private static final int MAX_ENTRIES_CAP = 10_000_000;
    private static final Set<String> WRITABLE = Set.of("name", "url", "format", "interval", "enabled",
            "ban_duration", "jail", "max_entries", "labels");
    /** Fields a client may send back unchanged from a GET (copy-then-write); they are ignored. */
    private static final Set<String> READ_ONLY = Set.of("id", "status", "entries", "etag", "last_success_at",
            "next_run_at", "last_run", "created_at", "updated_at");

    private final BanlistConfig.Sources config;
    private final UpstreamAddresses addresses;
    private final SourceLabels labels;

    SourceRequests(BanlistConfig config, UpstreamAddresses addresses, SourceLabels labels) {
        this.config = config.sources();
        this.addresses = addresses;
        this.labels = labels;
    }

    SourceSpec parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ValidationException.of("body", "a source object is required");
        }
        List<FieldError> errors = new ArrayList<>();
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!WRITABLE.contains(name) && !READ_ONLY.contains(name)) {
                errors.add(new FieldError(name, "unknown field"));
            }
        }
        String name = text(body, "name", errors);
        if (name == null) {
            errors.add(new FieldError("name", "is required"));
        } else if (!NAME.matcher(name).matches()) {
            errors.add(new FieldError("name", "must be 1-63 lowercase letters, digits and '-', starting with a letter or digit"));
        }
        String url = text(body, "url", errors);
        if (url == null) {
            errors.add(new FieldError("url", "is required"));
        } else if (url.length() > MAX_URL) {
            errors.add(new FieldError("url", "must be at most " + MAX_URL + " characters"));
        } else {
            try {
                addresses.checkUrl(UpstreamAddresses.parse(url));
            } catch (UpstreamAddresses.RefusedUrlException e) {
                errors.add(new FieldError("url", e.getMessage()));
            }
        }
        SourceFormat format = SourceFormat.PLAIN;
        String formatText = text(body, "format", errors);
        if (formatText != null) {
            format = SourceFormat.fromWire(formatText);
            if (format == null) {
                errors.add(new FieldError("format", "must be one of plain, spamhaus, spamhaus-json"));
            }
        }
        Duration interval = Duration.ofHours(1);
        String intervalText = text(body, "interval", errors);
        if (intervalText != null) {
            try {
                interval = BanDuration.parse(intervalText, Duration.ofDays(365)).orElse(null);
                if (interval == null) {
                    errors.add(new FieldError("interval", "must be a duration such as 30m, 1h or 1d"));
                } else if (interval.compareTo(config.minInterval()) < 0) {
                    errors.add(new FieldError("interval", "must be at least " + Durations.format(config.minInterval())));
                }
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("interval", e.getMessage()));
            }
        }
        boolean enabled = true;
        JsonNode enabledNode = body.get("enabled");
        if (enabledNode != null && !enabledNode.isNull()) {
            if (enabledNode.isBoolean()) {
                enabled = enabledNode.booleanValue();
            } else {
                errors.add(new FieldError("enabled", "must be true or false"));
            }
        }
        Duration banDuration = null;
        String banText = text(body, "ban_duration", errors);
        if (banText != null && !banText.equals(UNTIL_REMOVED)) {
            try {
                banDuration = BanDuration.parse(banText, Duration.ofDays(3650)).orElse(null);
                if (banDuration == null) {
                    errors.add(new FieldError("ban_duration", "must be a duration or until_removed"));
                }
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("ban_duration", e.getMessage() + ", or until_removed"));
            }
        }
        String jail = text(body, "jail", errors);
        if (jail != null && !JAIL.matcher(jail).matches()) {
            errors.add(new FieldError("jail", "must be 1-64 characters of letters, digits and ._-"));
        }
        int maxEntries = config.defaultMaxEntries();
        JsonNode maxNode = body.get("max_entries");
        if (maxNode != null && !maxNode.isNull()) {
            if (!maxNode.canConvertToInt() || !maxNode.isIntegralNumber() || maxNode.intValue() < 1
                    || maxNode.intValue() > MAX_ENTRIES_CAP) {
                errors.add(new FieldError("max_entries", "must be a whole number from 1 to " + MAX_ENTRIES_CAP));
            } else {
                maxEntries = maxNode.intValue();
            }
        }
        Map<String, String> labelMap = new LinkedHashMap<>();
        JsonNode labelsNode = body.get("labels");
        if (labelsNode != null && !labelsNode.isNull()) {
            if (!labelsNode.isObject()) {
                errors.add(new FieldError("labels", "must be an object of string values"));
            } else {
                labelsNode.fields().forEachRemaining(e -> {
                    String problem = labelProblem(e.getKey(), e.getValue());
                    if (problem != null) {
                        errors.add(new FieldError("labels." + e.getKey(), problem));
                    } else if (e.getValue().isTextual()) {
                        labelMap.put(e.getKey(), e.getValue().asText());
                    } else {
                        errors.add(new FieldError("labels." + e.getKey(), "must be a string"));
                    }
                });
                labels.checkSize(labelMap);
            }
        }
        if (!errors.isEmpty()) {
            throw new ValidationException(errors);
        }
        return new SourceSpec(name, url, format, interval, enabled, banDuration, jail, maxEntries, labelMap);
    }

    /** What makes a label's key or string value unfit to store, or null. */
    static String labelProblem(String key, JsonNode value) {
        String problem = RequestParams.textProblem(key);
        if (problem != null) {
            return "key " + problem;
        }
        return value.isTextual() ? RequestParams.textProblem(value.textValue()) : null;
    }

    private static String text(JsonNode node, String field, List<FieldError> errors) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        String problem = RequestParams.textProblem(v.textValue());
        if (problem != null) {
            errors.add(new FieldError(field, problem));
            return null;
        }
        return v.textValue();
    }
}
