package dev.banlist.decision;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import dev.banlist.config.BanlistConfig;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.FieldError;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.net.IpNetwork;
import dev.banlist.net.ProtectedRanges;
import jakarta.enterprise.context.ApplicationScoped;

/** Turns a posted body (one decision or an array of them) into validated decisions, reporting every bad field. */
@ApplicationScoped
public class DecisionRequests {

    static final Set<String> TYPES = Set.of("ban", "captcha", "throttle");
    static final Pattern ORIGIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}");
    static final Pattern JAIL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Origins of this form belong to imported blocklists (later: sources), never to API clients. */
    static final String LIST_ORIGIN_PREFIX = "list:";
    private static final int MAX_REASON = 1024;
    private static final Set<String> FIELDS = Set.of("value", "type", "duration", "reason", "origin", "jail");

    private final BanlistConfig.Decisions config;
    private final ProtectedRanges protectedRanges;

    DecisionRequests(BanlistConfig config, ProtectedRanges protectedRanges) {
        this.config = config.decisions();
        this.protectedRanges = protectedRanges;
    }

    /**
     * Refuses decisions on protected networks ({@code 409 PROTECTED_RANGE}) unless forced; nothing is stored
     * when any one of them is refused.
     */
    public void checkProtected(List<NewDecision> decisions, boolean force) {
        if (force) {
            return;
        }
        List<String> refused = new ArrayList<>();
        String example = null;
        for (NewDecision d : decisions) {
            ProtectedRanges.Overlap range = protectedRanges.overlapping(IpNetwork.parse(d.value()));
            if (range != null) {
                if (refused.size() < 20) {
                    refused.add(d.value());
                }
                if (example == null) {
                    example = d.value() + " overlaps the protected range " + range;
                }
            }
        }
        if (!refused.isEmpty()) {
            throw new ApiException(ErrorCode.PROTECTED_RANGE, example + "; banning it could cut the fleet off its own"
                    + " network. An admin may pass force=true.", java.util.Map.of("values", refused));
        }
    }

    /**
     * @param defaultOrigin origin of decisions posted without one: the caller's key name
     */
    public List<NewDecision> parse(JsonNode body, String defaultOrigin) {
        if (body == null || body.isNull() || body.isMissingNode()) {
            throw ValidationException.of("body", "a decision object or an array of them is required");
        }
        List<FieldError> errors = new ArrayList<>();
        List<NewDecision> decisions = new ArrayList<>();
        if (body.isArray()) {
            if (body.size() > config.maxBatch()) {
                throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "At most " + config.maxBatch()
                        + " decisions per request; this one has " + body.size() + ".");
            }
            if (body.isEmpty()) {
                throw ValidationException.of("body", "the array is empty");
            }
            for (int i = 0; i < body.size(); i++) {
                NewDecision d = one(body.get(i), "[" + i + "].", defaultOrigin, errors);
                if (d != null) {
                    decisions.add(d);
                }
            }
        } else {
            NewDecision d = one(body, "", defaultOrigin, errors);
            if (d != null) {
                decisions.add(d);
            }
        }
        if (!errors.isEmpty()) {
            throw new ValidationException(errors.size() > 100 ? errors.subList(0, 100) : errors);
        }
        return decisions;
    }

    private NewDecision one(JsonNode node, String path, String defaultOrigin, List<FieldError> errors) {
        if (!node.isObject()) {
            errors.add(new FieldError(path.isEmpty() ? "body" : path.substring(0, path.length() - 1),
                    "must be a decision object"));
            return null;
        }
        int before = errors.size();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(path + name, "unknown field"));
            }
        }
        IpNetwork network = null;
        String value = text(node, "value", path, errors);
        if (value == null) {
            if (!node.hasNonNull("value")) {
                errors.add(new FieldError(path + "value", "is required"));
            }
        } else {
            try {
                network = IpNetwork.parse(value);
            } catch (IpNetwork.InvalidNetworkException e) {
                errors.add(new FieldError(path + "value", e.getMessage()));
            }
        }
        String type = text(node, "type", path, errors);
        if (type == null) {
            type = "ban";
        } else if (!TYPES.contains(type)) {
            errors.add(new FieldError(path + "type", "must be one of ban, captcha, throttle"));
        }
        Duration duration = config.defaultDuration();
        String durationText = text(node, "duration", path, errors);
        if (durationText != null) {
            try {
                duration = BanDuration.parse(durationText, config.maxDuration()).orElse(null);
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError(path + "duration", e.getMessage()));
            }
        }
        String origin = text(node, "origin", path, errors);
        if (origin == null) {
            origin = defaultOrigin;
        } else if (!ORIGIN.matcher(origin).matches()) {
            errors.add(new FieldError(path + "origin", "must be 1-64 characters of letters, digits and ._:@/-"));
        } else if (origin.startsWith(LIST_ORIGIN_PREFIX)) {
            errors.add(new FieldError(path + "origin", "'list:' origins are reserved for imported blocklists"));
        }
        String jail = text(node, "jail", path, errors);
        if (jail != null && !JAIL.matcher(jail).matches()) {
            errors.add(new FieldError(path + "jail", "must be 1-64 characters of letters, digits and ._-"));
        }
        String reason = text(node, "reason", path, errors);
        if (reason != null && reason.length() > MAX_REASON) {
            errors.add(new FieldError(path + "reason", "must be at most " + MAX_REASON + " characters"));
        }
        return errors.size() == before ? new NewDecision(network.toString(), type, origin, jail, reason, duration) : null;
    }

    private static String text(JsonNode node, String field, String path, List<FieldError> errors) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FieldError(path + field, "must be a string"));
            return null;
        }
        String problem = RequestParams.textProblem(v.textValue());
        if (problem != null) {
            errors.add(new FieldError(path + field, problem));
            return null;
        }
        return v.textValue();
    }
}
