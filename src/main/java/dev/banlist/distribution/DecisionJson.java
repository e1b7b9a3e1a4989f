package dev.banlist.distribution;

import java.time.Instant;

import dev.banlist.decision.Decision;

/**
 * Writes decisions as JSON by hand, with the same fields and formats Jackson gives the decisions API, for streams
 * and snapshots of up to millions of decisions, where generic serialisation would dominate the time.
 */
public final class DecisionJson {

    private DecisionJson() {
    }

    public static void append(StringBuilder out, Decision d) {
        out.append("{\"id\":").append(d.id());
        field(out, "value", d.value());
        field(out, "scope", d.scope());
        field(out, "type", d.type());
        field(out, "origin", d.origin());
        field(out, "jail", d.jail());
        field(out, "reason", d.reason());
        time(out, "created_at", d.createdAt());
        time(out, "expires_at", d.expiresAt());
        time(out, "ended_at", d.endedAt());
        out.append('}');
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(",\"").append(name).append("\":");
        string(out, value);
    }

    private static void time(StringBuilder out, String name, Instant value) {
        out.append(",\"").append(name).append("\":");
        if (value == null) {
            out.append("null");
        } else {
            out.append('"').append(value).append('"');
        }
    }

    /** A JSON string literal, or {@code null}. */
    public static void string(StringBuilder out, String value) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
