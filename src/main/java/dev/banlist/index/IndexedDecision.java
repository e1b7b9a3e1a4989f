package dev.banlist.index;

import dev.banlist.net.IpNetwork;

/**
 * One active decision as the in-memory index holds it: primitives and shared strings only, since a million of
 * them live at once. {@code expiresAtMicros} is {@link Long#MAX_VALUE} for a permanent decision.
 */
public record IndexedDecision(long id, boolean ipv6, long hi, long lo, int prefix, String type, String origin,
        String jail, String reason, long createdAtMicros, long expiresAtMicros) {

    public static IndexedDecision of(long id, IpNetwork network, String type, String origin, String jail, String reason,
            long createdAtMicros, long expiresAtMicros) {
        return new IndexedDecision(id, network.ipv6(), network.hi(), network.lo(), network.prefix(), type, origin, jail,
                reason, createdAtMicros, expiresAtMicros);
    }

    public IpNetwork network() {
        return new IpNetwork(ipv6, hi, lo, prefix);
    }

    public boolean activeAt(long nowMicros) {
        return expiresAtMicros > nowMicros;
    }
}
