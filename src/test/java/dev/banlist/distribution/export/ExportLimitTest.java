package dev.banlist.distribution.export;

import static dev.banlist.distribution.export.ExportEntries.entries;
import static dev.banlist.distribution.export.ExportEntries.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExportLimitTest {

    /** Host bits: 0, 0 (manual), 24, 16, 8, 0, 96, 80 (manual). */
    private static final List<ExportEntry> SORTED = NetworkAggregator.sortAndDedupe(entries("1.2.3.4", "1.2.3.5!",
            "10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/24", "::1", "2001:db8::/32", "2001:db8:1::/48!"));

    private static List<String> kept(List<ExportEntry> sorted, int limit) {
        ExportLimit.Limited limited = ExportLimit.apply(sorted, limit);
        assertTrue(limited.cut());
        assertEquals(sorted.size(), limited.total());
        assertEquals(limit, limited.entries().size());
        return texts(limited.entries());
    }

    @Test
    void manualFirstThenTheLargestNetworksInTheirNormalOrder() {
        assertEquals(List.of("2001:db8:1::/48!"), kept(SORTED, 1));
        assertEquals(List.of("1.2.3.5!", "2001:db8:1::/48!"), kept(SORTED, 2));
        assertEquals(List.of("1.2.3.5!", "2001:db8::/32", "2001:db8:1::/48!"), kept(SORTED, 3));
        assertEquals(List.of("1.2.3.5!", "10.0.0.0/8", "2001:db8::/32", "2001:db8:1::/48!"), kept(SORTED, 4));
        assertEquals(List.of("1.2.3.5!", "10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32", "2001:db8:1::/48!"),
                kept(SORTED, 5));
        assertEquals(List.of("1.2.3.5!", "10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/24", "2001:db8::/32",
                "2001:db8:1::/48!"), kept(SORTED, 6));
        // the two remaining hosts tie: the earlier address wins
        assertEquals(List.of("1.2.3.4", "1.2.3.5!", "10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/24",
                "2001:db8::/32", "2001:db8:1::/48!"), kept(SORTED, 7));
    }

    @Test
    void hostBitsCompareAcrossFamilies() {
        // 0.0.0.0/0 and ::/96 both have 32 host bits: address order puts IPv4 first
        List<ExportEntry> sorted = NetworkAggregator.sortAndDedupe(entries("::/96", "0.0.0.0/0", "::/95", "128.0.0.0/1"));
        assertEquals(List.of("::/95"), kept(sorted, 1));
        assertEquals(List.of("0.0.0.0/0", "::/95"), kept(sorted, 2));
        assertEquals(List.of("0.0.0.0/0", "::/95", "::/96"), kept(sorted, 3));
    }

    @ParameterizedTest
    @ValueSource(ints = { -1, 0, 8, 9, Integer.MAX_VALUE })
    void noLimitOrRoomForAllLeavesTheListAlone(int limit) {
        ExportLimit.Limited limited = ExportLimit.apply(SORTED, limit);
        assertSame(SORTED, limited.entries());
        assertEquals(8, limited.total());
        assertFalse(limited.cut());
    }

    @Test
    void emptyList() {
        ExportLimit.Limited limited = ExportLimit.apply(List.of(), 5);
        assertEquals(List.of(), limited.entries());
        assertEquals(0, limited.total());
        assertFalse(limited.cut());
    }
}
