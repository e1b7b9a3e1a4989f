package dev.banlist.distribution.crowdsec;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import dev.banlist.decision.Decision;
import dev.banlist.index.IndexedDecision;

/**
 * The CrowdSec bouncer filters: {@code scopes}, {@code origins}, {@code scenarios_containing},
 * {@code scenarios_not_containing}, and for lookups {@code type}. Lists are comma-separated; scopes and scenario
 * words compare case-insensitively, as CrowdSec's do.
 */
record CrowdSecFilter(List<String> scopes, List<String> origins, List<String> containing, List<String> notContaining,
        String type) implements Predicate<Decision> {

    /** A stream without {@code scopes} receives single addresses and ranges, as from CrowdSec. */
    static final String DEFAULT_STREAM_SCOPES = "ip,range";

    static CrowdSecFilter of(String scopes, String origins, String containing, String notContaining, String type) {
        return new CrowdSecFilter(lower(scopes), list(origins), lower(containing), lower(notContaining),
                type == null || type.isBlank() ? null : type.strip());
    }

    private static List<String> list(String csv) {
        if (csv == null || csv.isBlank()) {
            return List.of();
        }
        return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static List<String> lower(String csv) {
        return list(csv).stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
    }

    @Override
    public boolean test(Decision d) {
        return test(d.scope(), d.origin(), d.type(), d.reason(), d.jail());
    }

    /** The same test on an index entry, without building the decision. */
    boolean test(IndexedDecision e) {
        return test(e.prefix() == (e.ipv6() ? 128 : 32) ? "ip" : "range", e.origin(), e.type(), e.reason(), e.jail());
    }

    private boolean test(String scope, String origin, String type, String reason, String jail) {
        if (!scopes.isEmpty() && !scopes.contains(scope)) {
            return false;
        }
        if (!origins.isEmpty() && !origins.contains(origin)) {
            return false;
        }
        if (this.type != null && !this.type.equals(type)) {
            return false;
        }
        if (containing.isEmpty() && notContaining.isEmpty()) {
            return true;
        }
        String scenario = CrowdSecDecisions.scenario(reason, jail, origin).toLowerCase(Locale.ROOT);
        if (!containing.isEmpty() && containing.stream().noneMatch(scenario::contains)) {
            return false;
        }
        return notContaining.stream().noneMatch(scenario::contains);
    }
}
