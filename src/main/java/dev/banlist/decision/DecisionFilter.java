package dev.banlist.decision;

import dev.banlist.net.IpNetwork;

/** Filters of the decision listing; null fields do not filter. */
public record DecisionFilter(IpNetwork contains, IpNetwork within, String origin, String jail, boolean active) {
}
