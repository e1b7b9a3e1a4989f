package dev.banlist.index;

import dev.banlist.net.IpNetwork;

/** STUB */
public record IndexedDecision(long id, boolean ipv6, long hi, long lo, int prefix, String type, String origin, String jail,
        String reason, long createdAtMicros, long expiresAtMicros) {
    public IpNetwork network() {
        return new IpNetwork(ipv6, hi, lo, prefix);
    }
}
