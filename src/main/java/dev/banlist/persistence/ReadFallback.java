package dev.banlist.persistence;

import java.util.Map;

/**
 * Something that keeps serving reads while the database is unreachable (the in-memory index). Readiness stays UP
 * while it is fresh, so that read traffic keeps being routed to this replica; writes still answer 503.
 */
public interface ReadFallback {

    /** Whether reads served from it are recent enough to stay ready for. */
    boolean fresh();

    /** What readiness reports about it. */
    Map<String, Object> describe();
}
