package dev.banlist.net;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.banlist.config.BanlistConfig;

/** Networks that must never be banned ({@code banlist.protected-ranges}): banning them cuts a fleet off itself. */
@ApplicationScoped
public class ProtectedRanges {

    private final List<IpNetwork> ranges;

    @Inject
    ProtectedRanges(BanlistConfig config) {
        this(config.protectedRanges().stream().filter(s -> !s.isBlank()).map(IpNetwork::parse).toList());
    }

    public ProtectedRanges(List<IpNetwork> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /** The first protected range that the network contains or lies in, or null. */
    public IpNetwork overlapping(IpNetwork network) {
        for (IpNetwork range : ranges) {
            if (range.contains(network) || network.contains(range)) {
                return range;
            }
        }
        return null;
    }

    public boolean overlaps(IpNetwork network) {
        return overlapping(network) != null;
    }
}
