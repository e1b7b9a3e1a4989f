package dev.banlist.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProtectedRangesTest {

    private static final ProtectedRanges RANGES = new ProtectedRanges(List.of(IpNetwork.parse("10.0.0.0/8"),
            IpNetwork.parse("192.168.0.0/16"), IpNetwork.parse("127.0.0.0/8"), IpNetwork.parse("fc00::/7"),
            IpNetwork.parse("::1/128")));

    @ParameterizedTest
    @CsvSource({
            // the ranges themselves, inside and around
            "10.1.2.3, 10.0.0.0/8", "0.0.0.0/0, 10.0.0.0/8", "fd00::1, fc00::/7", "::/0, fc00::/7", "::1, ::1",
            // IPv4-mapped: a host is read as IPv4; a network that holds ::ffff:0:0/96 stays IPv6 and overlaps
            "::ffff:10.1.2.3, 10.0.0.0/8", "::8000:0:0/81, 10.0.0.0/8", "::ffff:0:0/96, 10.0.0.0/8",
            "::fffe:0:0/95, 10.0.0.0/8",
            // NAT64 (64:ff9b::/96): inside an image, around it, and around the whole prefix
            "64:ff9b::a01:203, 10.0.0.0/8", "64:ff9b::c0a8:0/112, 192.168.0.0/16", "64:ff9b::/96, 10.0.0.0/8",
            "64:ff9b::/32, 10.0.0.0/8", "64::/16, 10.0.0.0/8",
            // 6to4 (2002:aabb:ccdd::/48): a host of a protected site, the site's /48, the whole prefix
            "2002:a01:203::1, 10.0.0.0/8", "2002:c0a8:100::/48, 192.168.0.0/16", "2002:7f00::/24, 127.0.0.0/8",
            "2002::/16, 10.0.0.0/8", "2000::/3, 10.0.0.0/8" })
    void networksOverlappingAProtectedRangeOrItsIpv6ImagesAreProtected(String network, String range) {
        ProtectedRanges.Overlap overlap = RANGES.overlapping(IpNetwork.parse(network));
        assertNotNull(overlap, network);
        assertEquals(range, overlap.range().toString(), network);
    }

    @ParameterizedTest
    @ValueSource(strings = { "198.51.100.7", "11.0.0.0/8", "::ffff:198.51.100.7", "::ffff:11.0.0.0/104",
            "::8000:0:0/82", "::1:0:0/96", "::2", "64:ff9b::c633:6407", "64:ff9b::b00:0/104", "64:ff9b:1::a01:203",
            "2002:c633:6407::1", "2002:b00::/24", "2001:db8::/32", "2003::/16", "::ffff:0:0:0/96" })
    void otherNetworksAreNot(String network) {
        assertNull(RANGES.overlapping(IpNetwork.parse(network)), network);
    }

    @ParameterizedTest
    @CsvSource({ "::8000:0:0/81, '10.0.0.0/8 (as its IPv4-mapped image ::ffff:a00:0/104)'",
            "64:ff9b::a00:1, '10.0.0.0/8 (as its NAT64 image 64:ff9b::a00:0/104)'",
            "2002:a00::1, '10.0.0.0/8 (as its 6to4 image 2002:a00::/24)'",
            "10.0.0.1, 10.0.0.0/8" })
    void theOverlapNamesTheRangeAndTheImageItWasFoundAs(String network, String description) {
        assertEquals(description, RANGES.overlapping(IpNetwork.parse(network)).toString());
    }
}
