package dev.banlist.net;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.banlist.config.BanlistConfig;

/**
 * Networks that must never be banned ({@code banlist.protected-ranges}): banning them cuts a fleet off itself.
 *
 * <p>An IPv4 range is also reachable as IPv6 through the standard embeddings, so an IPv6 network is protected when
 * it overlaps a protected IPv6 range or the image of a protected IPv4 range as IPv4-mapped ({@code ::ffff:0:0/96}),
 * NAT64 ({@code 64:ff9b::/96}, RFC 6052) or 6to4 ({@code 2002::/16}, RFC 3056) address: a network that contains
 * such an image (say {@code ::8000:0:0/81}, which holds all of {@code ::ffff:0:0/96}) overlaps it too.
 */
@ApplicationScoped
public class ProtectedRanges {

    /** A protected range, and the network that the checked one actually overlaps: the range or its IPv6 image. */
    public record Overlap(IpNetwork range, IpNetwork as, String embedding) {
        @Override
        public String toString() {
            return embedding == null ? range.toString() : range + " (as its " + embedding + " image " + as + ")";
        }
    }

    private static final long MAPPED_LO = 0xffffL << 32;
    private static final long NAT64_HI = 0x0064_ff9bL << 32;
    private static final long SIX_TO_FOUR_HI = 0x2002L << 48;

    private final List<Overlap> v4;
    private final List<Overlap> v6;

    @Inject
    ProtectedRanges(BanlistConfig config) {
        this(config.protectedRanges().stream().filter(s -> !s.isBlank()).map(IpNetwork::parse).toList());
    }

    public ProtectedRanges(List<IpNetwork> ranges) {
        List<Overlap> v4 = new ArrayList<>();
        List<Overlap> v6 = new ArrayList<>();
        for (IpNetwork range : ranges) {
            if (range.ipv6()) {
                v6.add(new Overlap(range, range, null));
            } else {
                v4.add(new Overlap(range, range, null));
            }
        }
        for (IpNetwork range : ranges) {
            if (!range.ipv6()) {
                v6.add(new Overlap(range, new IpNetwork(true, 0, MAPPED_LO | range.lo(), 96 + range.prefix()), "IPv4-mapped"));
                v6.add(new Overlap(range, new IpNetwork(true, NAT64_HI, range.lo(), 96 + range.prefix()), "NAT64"));
                v6.add(new Overlap(range, new IpNetwork(true, SIX_TO_FOUR_HI | range.lo() << 16, 0, 16 + range.prefix()), "6to4"));
            }
        }
        this.v4 = List.copyOf(v4);
        this.v6 = List.copyOf(v6);
    }

    /** The first protected range (or IPv6 image of one) that the network contains or lies in, or null. */
    public Overlap overlapping(IpNetwork network) {
        for (Overlap o : network.ipv6() ? v6 : v4) {
            if (o.as().contains(network) || network.contains(o.as())) {
                return o;
            }
        }
        return null;
    }

    public boolean overlaps(IpNetwork network) {
        return overlapping(network) != null;
    }
}
