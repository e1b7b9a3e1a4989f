package dev.banlist.distribution.crowdsec;

import java.time.Duration;
import java.time.Instant;

import dev.banlist.decision.Decision;
import dev.banlist.distribution.DecisionJson;
import dev.banlist.index.IndexedDecision;
import dev.banlist.net.IpNetwork;

/** Decisions as CrowdSec's Local API writes them, keys in its (alphabetical) order. */
final class CrowdSecDecisions {

    private CrowdSecDecisions() {
    }

    /** CrowdSec's scenario: what the ban is for. Ours: the reason, else the jail, else the origin. */
    static String scenario(Decision d) {
        return scenario(d.reason(), d.jail(), d.origin());
    }

    static String scenario(String reason, String jail, String origin) {
        return reason != null ? reason : jail != null ? jail : origin;
    }

    /** Appends an active index entry, as {@link #append(StringBuilder, Decision, Instant, Duration)} would. */
    static void append(StringBuilder out, IndexedDecision e, long nowMicros, Duration permanent) {
        long nanos = e.expiresAtMicros() == Long.MAX_VALUE ? permanent.toNanos()
                : (e.expiresAtMicros() - nowMicros) * 1000L;
        IpNetwork n = e.network();
        out.append("{\"duration\":\"").append(GoDuration.format(nanos)).append("\",\"id\":").append(e.id())
                .append(",\"origin\":");
        DecisionJson.string(out, e.origin());
        out.append(",\"scenario\":");
        DecisionJson.string(out, scenario(e.reason(), e.jail(), e.origin()));
        out.append(",\"scope\":\"").append(n.isHost() ? "Ip" : "Range").append("\",\"type\":");
        DecisionJson.string(out, e.type());
        out.append(",\"value\":\"").append(n).append("\"}");
    }

    /**
     * Appends the decision. {@code duration} is the time left as a Go duration string, negative for a decision
     * that has ended; a permanent decision reports {@code permanent}.
     */
    static void append(StringBuilder out, Decision d, Instant now, Duration permanent) {
        Instant until = d.endedAt() != null ? d.endedAt() : d.expiresAt();
        long nanos = until == null ? permanent.toNanos() : Duration.between(now, until).toNanos();
        out.append("{\"duration\":\"").append(GoDuration.format(nanos)).append("\",\"id\":").append(d.id())
                .append(",\"origin\":");
        DecisionJson.string(out, d.origin());
        out.append(",\"scenario\":");
        DecisionJson.string(out, scenario(d));
        out.append(",\"scope\":\"").append(d.scope().equals("ip") ? "Ip" : "Range").append("\",\"type\":");
        DecisionJson.string(out, d.type());
        out.append(",\"value\":\"").append(d.value()).append("\"}");
    }
}
