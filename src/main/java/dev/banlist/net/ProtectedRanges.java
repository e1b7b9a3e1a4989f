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

    /** An embedding of IPv4 in IPv6: its prefix, and the images of the protected IPv4 ranges within it. */
    private record Embedding(IpNetwork prefix, List<Overlap> images) {
    }

    private static final long MAPPED_LO = 0xffffL << 32;
    private static final long NAT64_HI = 0x0064_ff9bL << 32;
    private static final long SIX_TO_FOUR_HI = 0x2002L << 48;

    private final List<Overlap> v4;
    private final List<Overlap> v6;
    private final List<Embedding> embeddings;

    @Inject
    ProtectedRanges(BanlistConfig config) {
        this(config.protectedRanges().stream().filter(s -> !s.isBlank()).map(IpNetwork::parse).toList());
    }

    public ProtectedRanges(List<IpNetwork> ranges) {
        List<Overlap> v4 = new ArrayList<>();
        List<Overlap> v6 = new ArrayList<>();
        List<Overlap> mapped = new ArrayList<>();
        List<Overlap> nat64 = new ArrayList<>();
        List<Overlap> sixToFour = new ArrayList<>();
        for (IpNetwork range : ranges) {
            if (range.ipv6()) {
                v6.add(new Overlap(range, range, null));
                continue;
            }
            v4.add(new Overlap(range, range, null));
            mapped.add(new Overlap(range, new IpNetwork(true, 0, MAPPED_LO | range.lo(), 96 + range.prefix()), "IPv4-mapped"));
            nat64.add(new Overlap(range, new IpNetwork(true, NAT64_HI, range.lo(), 96 + range.prefix()), "NAT64"));
            sixToFour.add(new Overlap(range, new IpNetwork(true, SIX_TO_FOUR_HI | range.lo() << 16, 0, 16 + range.prefix()), "6to4"));
        }
        this.v4 = List.copyOf(v4);
        this.v6 = List.copyOf(v6);
        this.embeddings = List.of(new Embedding(new IpNetwork(true, 0, MAPPED_LO, 96), List.copyOf(mapped)),
                new Embedding(new IpNetwork(true, NAT64_HI, 0, 96), List.copyOf(nat64)),
                new Embedding(new IpNetwork(true, SIX_TO_FOUR_HI, 0, 16), List.copyOf(sixToFour)));
    }

    /**
     * The first protected range that the network contains or lies in, or null. An IPv6 network is compared with
     * the images of an embedding only when it overlaps the embedding's prefix: a list of IPv6 entries pays for
     * three more comparisons, not three per protected IPv4 range.
     */
    public Overlap overlapping(IpNetwork network) {
        Overlap found = first(network.ipv6() ? v6 : v4, network);
        if (found != null || !network.ipv6()) {
            return found;
        }
        for (Embedding e : embeddings) {
            if (overlap(e.prefix(), network)) {
                found = first(e.images(), network);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static Overlap first(List<Overlap> candidates, IpNetwork network) {
        for (Overlap o : candidates) {
            if (overlap(o.as(), network)) {
                return o;
            }
        }
        return null;
    }

    private static boolean overlap(IpNetwork a, IpNetwork b) {
        return a.contains(b) || b.contains(a);
    }

    public boolean overlaps(IpNetwork network) {
        return overlapping(network) != null;
    }
}
