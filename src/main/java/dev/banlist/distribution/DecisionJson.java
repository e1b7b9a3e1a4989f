package dev.banlist.distribution;

import java.time.Instant;

import dev.banlist.decision.Decision;
import dev.banlist.index.IndexedDecision;
import dev.banlist.net.IpNetwork;

/**
 * Writes decisions as JSON by hand, with the same fields and formats Jackson gives the decisions API, for streams
 * and snapshots of up to millions of decisions, where generic serialisation would dominate the time.
 */
public final class DecisionJson {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

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

    /** The same object from an index entry, without building the intermediate decision and instants. */
    public static void append(StringBuilder out, IndexedDecision e) {
        IpNetwork n = e.network();
        out.append("{\"id\":").append(e.id());
        field(out, "value", n.toString());
        field(out, "scope", n.scope());
        field(out, "type", e.type());
        field(out, "origin", e.origin());
        field(out, "jail", e.jail());
        field(out, "reason", e.reason());
        out.append(",\"created_at\":");
        micros(out, e.createdAtMicros());
        out.append(",\"expires_at\":");
        if (e.expiresAtMicros() == Long.MAX_VALUE) {
            out.append("null");
        } else {
            micros(out, e.expiresAtMicros());
        }
        out.append(",\"ended_at\":null}");
    }

    /**
     * A quoted ISO-8601 UTC time exactly as {@link Instant#toString()} writes it (fraction in groups of three digits,
     * none when zero), without its formatter: on the check's hot path that formatter was the largest allocation.
     */
    static void micros(StringBuilder out, long micros) {
        long seconds = Math.floorDiv(micros, 1_000_000);
        int fraction = (int) Math.floorMod(micros, 1_000_000);
        long days = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        java.time.LocalDate date = java.time.LocalDate.ofEpochDay(days);
        if (date.getYear() < 0 || date.getYear() > 9999) {
            out.append('"').append(Instant.ofEpochSecond(seconds, fraction * 1000L)).append('"');
            return;
        }
        out.append('"');
        pad(out, date.getYear(), 4).append('-');
        pad(out, date.getMonthValue(), 2).append('-');
        pad(out, date.getDayOfMonth(), 2).append('T');
        pad(out, secondOfDay / 3600, 2).append(':');
        pad(out, secondOfDay / 60 % 60, 2).append(':');
        pad(out, secondOfDay % 60, 2);
        if (fraction != 0) {
            out.append('.');
            if (fraction % 1000 == 0) {
                pad(out, fraction / 1000, 3);
            } else {
                pad(out, fraction, 6);
            }
        }
        out.append("Z\"");
    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        for (int limit = 10, w = 1; w < width; w++, limit *= 10) {
            if (value < limit) {
                out.append('0');
            }
        }
        return out.append(value);
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(",\"").append(name).append("\":");
        string(out, value);
    }

    private static void time(StringBuilder out, String name, Instant value) {
        out.append(",\"").append(name).append("\":");
        if (value == null) {
            out.append("null");
        } else if (value.getNano() % 1000 == 0) {
            micros(out, value.getEpochSecond() * 1_000_000 + value.getNano() / 1000);
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
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
