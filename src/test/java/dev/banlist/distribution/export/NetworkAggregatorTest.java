package dev.banlist.distribution.export;

import static dev.banlist.distribution.export.ExportEntries.entries;
import static dev.banlist.distribution.export.ExportEntries.networks;
import static dev.banlist.distribution.export.ExportEntries.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banlist.net.IpNetwork;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NetworkAggregatorTest {

    private static List<String> aggregate(String... networks) {
        return texts(NetworkAggregator.aggregate(entries(networks)));
    }

    private static List<String> subtract(List<ExportEntry> entries, String... allow) {
        return texts(NetworkAggregator.subtract(entries, networks(allow)));
    }

    @Test
    void mergesHalvesContainedAndAdjacentNetworks() {
        assertEquals(List.of("10.0.0.0/24"), aggregate("10.0.0.0/25", "10.0.0.128/25"));
        assertEquals(List.of("10.0.0.0/24"), aggregate("10.0.0.0/24", "10.0.0.5"));
        assertEquals(List.of("10.0.0.0/24"), aggregate("10.0.0.5", "10.0.0.0/24", "10.0.0.5"));
        assertEquals(List.of("1.2.3.4/31"), aggregate("1.2.3.4", "1.2.3.5"));
        assertEquals(List.of("1.2.3.5", "1.2.3.6"), aggregate("1.2.3.6", "1.2.3.5"));
    }

    @Test
    void cutsARangeIntoTheFewestAlignedNetworks() {
        assertEquals(List.of("1.2.3.1", "1.2.3.2/31", "1.2.3.4/31", "1.2.3.6"),
                aggregate("1.2.3.1", "1.2.3.2", "1.2.3.3", "1.2.3.4", "1.2.3.5", "1.2.3.6"));
    }

    /** Expected output produced by FireHOL iprange 1.0.4 from the same input. */
    @Test
    void matchesIprange() {
        assertEquals(List.of("0.0.0.1", "10.0.0.0/24", "172.16.0.0/12", "172.32.0.0", "192.168.1.7",
                "192.168.1.8/29", "192.168.1.16/28", "192.168.1.32/30", "192.168.1.40/30", "255.255.255.254/31"),
                aggregate("10.0.0.0/25", "10.0.0.128/25", "192.168.1.7", "192.168.1.8/29", "192.168.1.16/28",
                        "192.168.1.40/30", "172.16.0.0/12", "172.31.255.255", "172.32.0.0", "255.255.255.254",
                        "255.255.255.255", "0.0.0.1", "192.168.1.33", "192.168.1.32", "192.168.1.34/31"));
    }

    @Test
    void edgesOfTheIpv4Space() {
        assertEquals(List.of("0.0.0.0/0"), aggregate("0.0.0.0/1", "128.0.0.0/1"));
        assertEquals(List.of("0.0.0.0/0"), aggregate("255.255.255.255", "0.0.0.0/0", "0.0.0.0", "10.0.0.0/8"));
        assertEquals(List.of("255.255.255.254/31"), aggregate("255.255.255.255", "255.255.255.254"));
        assertEquals(List.of("128.0.0.0/1"), aggregate("255.255.255.255", "128.0.0.0/1"));
        assertEquals(List.of("0.0.0.0/31"), aggregate("0.0.0.1", "0.0.0.0"));
        assertEquals(List.of("255.255.255.253", "255.255.255.254/31"),
                aggregate("255.255.255.253", "255.255.255.254", "255.255.255.255"));
    }

    @Test
    void ipv6() {
        assertEquals(List.of("2001:db8::/32"), aggregate("2001:db8:8000::/33", "2001:db8::/33"));
        assertEquals(List.of("2001:db8::/32"), aggregate("2001:db8::/32", "2001:db8:ffff::1", "2001:db8::"));
        assertEquals(List.of("2001:db8::/127"), aggregate("2001:db8::1", "2001:db8::"));
        assertEquals(List.of("2001:db8::1", "2001:db8::2/127", "2001:db8::4/127", "2001:db8::6"),
                aggregate("2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4", "2001:db8::5",
                        "2001:db8::6"));
        // across the boundary of the two 64-bit halves
        assertEquals(List.of("2001:db8::/63"), aggregate("2001:db8:0:1::/64", "2001:db8::/64"));
        assertEquals(List.of("2001:db8:0:0:8000::/65", "2001:db8:0:1::/65"),
                aggregate("2001:db8:0:1::/65", "2001:db8::8000:0:0:0/65"));
        assertEquals(List.of("2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::"),
                aggregate("2001:db8:0:1::", "2001:db8::ffff:ffff:ffff:ffff"));
    }

    @Test
    void edgesOfTheIpv6Space() {
        assertEquals(List.of("::/0"), aggregate("8000::/1", "::/1"));
        assertEquals(List.of("::/0"), aggregate("::1", "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        assertEquals(List.of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"),
                aggregate("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
        assertEquals(List.of("8000::/1"), aggregate("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "8000::/1"));
        assertEquals(List.of("::/127"), aggregate("::1", "::"));
    }

    @Test
    void ipv4ComesFirstAndFamiliesNeverMerge() {
        assertEquals(List.of("0.0.0.0/0", "::/0"), aggregate("::/0", "0.0.0.0/0"));
        assertEquals(List.of("1.2.3.4", "10.0.0.0/8", "::1", "2001:db8::/32"),
                aggregate("2001:db8::/32", "10.0.0.0/8", "::1", "1.2.3.4"));
        assertEquals(List.of(), aggregate());
    }

    @Test
    void aNetworkIsManualWhenAManualInputOverlapsIt() {
        assertEquals(List.of("1.2.3.4/30!", "1.2.3.8/31", "1.2.3.10"),
                aggregate("1.2.3.4!", "1.2.3.5", "1.2.3.6", "1.2.3.7", "1.2.3.8", "1.2.3.9", "1.2.3.10"));
        assertEquals(List.of("10.0.0.0/8!"), aggregate("10.0.0.0/8", "10.1.2.3!"));
        assertEquals(List.of("10.0.0.0/24!"), aggregate("10.0.0.0/25!", "10.0.0.128/25"));
        assertEquals(List.of("10.0.0.0/24!"), aggregate("10.0.0.5!", "10.0.0.0/24", "10.0.0.5"));
        assertEquals(List.of("1.2.3.3", "1.2.3.4/31!", "1.2.3.6!"),
                aggregate("1.2.3.3", "1.2.3.4!", "1.2.3.5", "1.2.3.6!"));
        assertEquals(List.of("2001:db8::/127", "2001:db8::2!"),
                aggregate("2001:db8::1", "2001:db8::", "2001:db8::2!"));
        assertEquals(List.of("::/0!"), aggregate("::/0", "::5!"));
    }

    @Test
    void sortAndDedupeKeepsOverlapsAndCollapsesDuplicates() {
        List<ExportEntry> result = NetworkAggregator.sortAndDedupe(entries("2001:db8::/32", "10.0.0.0/24",
                "10.0.0.0/8", "1.2.3.4", "10.0.0.0/24!", "::1", "1.2.3.4", "ffff::/16", "0.0.0.0/0", "::/0",
                "255.255.255.255", "2001:db8::/32!", "2001:db8::/48"));
        assertEquals(List.of("0.0.0.0/0", "1.2.3.4", "10.0.0.0/8", "10.0.0.0/24!", "255.255.255.255", "::/0",
                "::1", "2001:db8::/32!", "2001:db8::/48", "ffff::/16"), texts(result));
        assertEquals(List.of(), NetworkAggregator.sortAndDedupe(List.of()));
    }

    @Test
    void subtractSplitsNetworks() {
        assertEquals(List.of("10.0.0.64/26", "10.0.0.128/25"), subtract(entries("10.0.0.0/24"), "10.0.0.0/26"));
        assertEquals(List.of("10.0.0.0/25"), subtract(entries("10.0.0.0/24"), "10.0.0.128/25"));
        // expected output produced by iprange 10.0.0.0/24 --except 10.0.0.77 10.0.0.200/29
        assertEquals(List.of("10.0.0.0/26", "10.0.0.64/29", "10.0.0.72/30", "10.0.0.76", "10.0.0.78/31",
                "10.0.0.80/28", "10.0.0.96/27", "10.0.0.128/26", "10.0.0.192/29", "10.0.0.208/28",
                "10.0.0.224/27"), subtract(entries("10.0.0.0/24"), "10.0.0.200/29", "10.0.0.77"));
        assertEquals(List.of("0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3",
                "64.0.0.0/2", "128.0.0.0/1"), subtract(entries("0.0.0.0/0"), "10.0.0.0/8"));
        assertEquals(List.of("0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5",
                "248.0.0.0/6", "252.0.0.0/7", "254.0.0.0/8", "255.0.0.0/9", "255.128.0.0/10", "255.192.0.0/11",
                "255.224.0.0/12", "255.240.0.0/13", "255.248.0.0/14", "255.252.0.0/15", "255.254.0.0/16",
                "255.255.0.0/17", "255.255.128.0/18", "255.255.192.0/19", "255.255.224.0/20", "255.255.240.0/21",
                "255.255.248.0/22", "255.255.252.0/23", "255.255.254.0/24", "255.255.255.0/25",
                "255.255.255.128/26", "255.255.255.192/27", "255.255.255.224/28", "255.255.255.240/29",
                "255.255.255.248/30", "255.255.255.252/31", "255.255.255.254"),
                subtract(entries("0.0.0.0/0"), "255.255.255.255"));
        assertEquals(List.of("0.0.0.1", "0.0.0.2/31", "0.0.0.4/30"), subtract(entries("0.0.0.0/29"), "0.0.0.0"));
    }

    @Test
    void subtractDropsAllowlistedNetworksAndKeepsTheRestAsTheyAre() {
        List<ExportEntry> input = entries("1.2.3.4", "10.0.0.0/8!", "192.168.0.0/16", "2001:db8::/32");
        List<ExportEntry> result = NetworkAggregator.subtract(input,
                networks("10.0.0.0/8", "192.168.1.0/24", "192.168.0.0/24", "2001:db8::1/128", "1.2.3.5"));
        assertEquals(List.of("1.2.3.4", "192.168.2.0/23", "192.168.4.0/22", "192.168.8.0/21", "192.168.16.0/20",
                "192.168.32.0/19", "192.168.64.0/18", "192.168.128.0/17", "2001:db8::", "2001:db8::2/127",
                "2001:db8::4/126", "2001:db8::8/125"), texts(result).subList(0, 12));
        assertSame(input.get(0), result.get(0), "an untouched entry is passed on as it is");
        assertEquals("2001:db8:8000::/33", texts(result).get(result.size() - 1));
        assertEquals(1 + 7 + 96, result.size());
        assertSame(input, NetworkAggregator.subtract(input, List.of()));
        assertEquals(List.of(), subtract(entries("10.0.0.0/24", "10.0.0.7!"), "10.0.0.0/8"));
    }

    @Test
    void subtractKeepsTheManualFlagAndTheFamilies() {
        assertEquals(List.of("10.0.0.0/26!", "10.0.0.128/25!", "::/1!"),
                subtract(entries("10.0.0.0/24!", "::/0!"), "10.0.0.64/26", "8000::/1", "0.0.0.0/8", "11.0.0.0/8"));
        // IPv4 allowlist entries never cut IPv6 networks and the other way round
        assertEquals(List.of("10.0.0.0/8"), subtract(entries("10.0.0.0/8", "::/96"), "::/0", "0.0.0.0/7"));
        assertEquals(List.of("::/96"), subtract(entries("10.0.0.0/8", "::/96"), "0.0.0.0/0"));
    }

    @Test
    void subtractAtTheEdgesOfTheIpv6Space() {
        List<String> result = subtract(entries("::/0"), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        assertEquals(128, result.size());
        assertEquals("::/1", result.get(0));
        assertEquals("ffff:ffff:ffff:ffff::/65", result.get(64));
        assertEquals("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", result.get(127));
        assertEquals(List.of("8000::/1"), subtract(entries("::/0"), "::/1"));
        assertEquals(List.of("::1", "::2/127", "::4/126"), subtract(entries("::/125"), "::"));
        assertEquals(List.of("2001:db8::/64", "2001:db8:0:1::1", "2001:db8:0:1::2/127"),
                subtract(entries("2001:db8::/64", "2001:db8:0:1::/126"), "2001:db8:0:1::/128"));
        assertEquals(List.of("2001:db8::/65", "2001:db8:0:1:8000::/65"),
                subtract(entries("2001:db8::/63"), "2001:db8::8000:0:0:0/65", "2001:db8:0:1::/65"));
    }

    @Test
    void subtractFromOverlappingNetworksStaysSortedWithoutDuplicates() {
        List<ExportEntry> input = NetworkAggregator.sortAndDedupe(entries("10.0.0.0/8", "10.0.0.0/24!", "10.0.0.9"));
        List<String> result = subtract(input, "10.0.0.0/26");
        assertEquals(List.of("10.0.0.64/26!", "10.0.0.128/25!", "10.0.1.0/24", "10.0.2.0/23", "10.0.4.0/22",
                "10.0.8.0/21", "10.0.16.0/20", "10.0.32.0/19", "10.0.64.0/18", "10.0.128.0/17", "10.1.0.0/16",
                "10.2.0.0/15", "10.4.0.0/14", "10.8.0.0/13", "10.16.0.0/12", "10.32.0.0/11", "10.64.0.0/10",
                "10.128.0.0/9"), result);
        // order restored although the input was not sorted at all
        assertEquals(List.of("1.2.3.4", "10.0.0.0/8", "::1"),
                subtract(entries("::1", "10.0.0.0/8", "1.2.3.4"), "192.168.0.0/16"));
    }

    // ---- comparison with a reference on random networks ----

    /**
     * A small window of the address space, where a set of addresses fits a BitSet. The windows sit at the bottom
     * and the top of both spaces and across the boundary of the two IPv6 halves (aligned to 2^11 only).
     */
    private record Window(boolean ipv6, BigInteger base, int blockBits) {
        int size() {
            return 4096;
        }

        int bits() {
            return ipv6 ? 128 : 32;
        }

        IpNetwork network(int offset, int hostBits) {
            BigInteger address = base.add(BigInteger.valueOf(offset));
            return new IpNetwork(ipv6, address.shiftRight(64).longValue(), address.longValue(), bits() - hostBits);
        }
    }

    private static final List<Window> WINDOWS = List.of(
            new Window(false, BigInteger.ZERO, 12),
            new Window(false, BigInteger.valueOf(0xC0A81000L), 12),
            new Window(false, BigInteger.valueOf(0xFFFFF000L), 12),
            new Window(true, BigInteger.ZERO, 12),
            new Window(true, new BigInteger("20010db8000000000000000000000000", 16), 12),
            new Window(true, new BigInteger("20010db800000000fffffffffffff800", 16), 11),
            new Window(true, BigInteger.ONE.shiftLeft(128).subtract(BigInteger.valueOf(4096)), 12));

    /** The fewest aligned networks covering the set bits, computed on BigIntegers, one address at a time. */
    private static List<String> reference(Window w, BitSet set, BitSet manual) {
        List<String> out = new ArrayList<>();
        int offset = set.nextSetBit(0);
        while (offset >= 0) {
            int runEnd = set.nextClearBit(offset); // exclusive
            while (offset < runEnd) {
                BigInteger address = w.base.add(BigInteger.valueOf(offset));
                int k = 0;
                while (k < w.bits() && !address.testBit(k) && offset + (2 << k) <= runEnd) {
                    k++;
                }
                int blockEnd = offset + (1 << k);
                boolean isManual = manual.nextSetBit(offset) >= 0 && manual.nextSetBit(offset) < blockEnd;
                out.add(w.network(offset, k) + (isManual ? "!" : ""));
                offset = blockEnd;
            }
            offset = set.nextSetBit(runEnd);
        }
        return out;
    }

    @Test
    void aggregateAndSubtractMatchAReferenceOnRandomNetworks() {
        Random random = new Random(20240611);
        for (int round = 0; round < 600; round++) {
            Window w4 = WINDOWS.get(random.nextInt(3));
            Window w6 = WINDOWS.get(3 + random.nextInt(4));
            BitSet set4 = new BitSet();
            BitSet manual4 = new BitSet();
            BitSet set6 = new BitSet();
            BitSet manual6 = new BitSet();
            List<ExportEntry> input = new ArrayList<>();
            int count = 1 + random.nextInt(round < 300 ? 12 : 120);
            for (int i = 0; i < count; i++) {
                boolean ipv6 = random.nextInt(3) == 0;
                Window w = ipv6 ? w6 : w4;
                int hostBits = random.nextInt(4) == 0 ? random.nextInt(w.blockBits + 1) : random.nextInt(4);
                int offset = random.nextInt(w.size() >> hostBits) << hostBits;
                boolean isManual = random.nextInt(5) == 0;
                input.add(new ExportEntry(w.network(offset, hostBits), isManual));
                (ipv6 ? set6 : set4).set(offset, offset + (1 << hostBits));
                if (isManual) {
                    (ipv6 ? manual6 : manual4).set(offset, offset + (1 << hostBits));
                }
            }
            List<String> expected = new ArrayList<>(reference(w4, set4, manual4));
            expected.addAll(reference(w6, set6, manual6));
            List<ExportEntry> aggregated = NetworkAggregator.aggregate(input);
            assertEquals(expected, texts(aggregated), "round " + round + ": " + texts(input));

            // the allowlist: a few random networks of the same windows
            List<IpNetwork> allow = new ArrayList<>();
            BitSet allow4 = new BitSet();
            BitSet allow6 = new BitSet();
            for (int i = random.nextInt(6); i > 0; i--) {
                boolean ipv6 = random.nextBoolean();
                Window w = ipv6 ? w6 : w4;
                int hostBits = random.nextInt(w.blockBits + 1);
                int offset = random.nextInt(w.size() >> hostBits) << hostBits;
                allow.add(w.network(offset, hostBits));
                (ipv6 ? allow6 : allow4).set(offset, offset + (1 << hostBits));
            }
            List<String> expectedRest = new ArrayList<>();
            for (ExportEntry e : aggregated) {
                Window w = e.network().ipv6() ? w6 : w4;
                BigInteger start = new BigInteger(Long.toUnsignedString(e.network().hi())).shiftLeft(64)
                        .or(new BigInteger(Long.toUnsignedString(e.network().lo())));
                int offset = start.subtract(w.base).intValueExact();
                int length = 1 << (w.bits() - e.network().prefix());
                BitSet rest = new BitSet();
                rest.set(offset, offset + length);
                rest.andNot(e.network().ipv6() ? allow6 : allow4);
                BitSet manual = new BitSet();
                if (e.manual()) {
                    manual.set(offset, offset + length);
                }
                expectedRest.addAll(reference(w, rest, manual));
            }
            assertEquals(expectedRest, texts(NetworkAggregator.subtract(aggregated, allow)),
                    "round " + round + ": " + texts(aggregated) + " minus " + allow);
        }
    }

    @Test
    void sortAndDedupeMatchesASortedSet() {
        Random random = new Random(7);
        List<ExportEntry> input = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            Window w = WINDOWS.get(random.nextInt(WINDOWS.size()));
            int hostBits = random.nextInt(3);
            input.add(new ExportEntry(w.network(random.nextInt(64) << hostBits, hostBits), random.nextInt(9) == 0));
        }
        List<ExportEntry> expected = new ArrayList<>();
        List<ExportEntry> sorted = new ArrayList<>(input);
        sorted.sort(NetworkAggregator.ORDER);
        for (ExportEntry e : sorted) {
            ExportEntry last = expected.isEmpty() ? null : expected.get(expected.size() - 1);
            if (last != null && last.network().equals(e.network())) {
                expected.set(expected.size() - 1, new ExportEntry(e.network(), last.manual() || e.manual()));
            } else {
                expected.add(e);
            }
        }
        Collections.shuffle(input, random);
        List<ExportEntry> result = NetworkAggregator.sortAndDedupe(input);
        assertEquals(expected, result);
        assertTrue(result.size() < input.size(), "the input had duplicates");
    }
}
