package dev.banlist.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BanDurationTest {

    private static final Duration MAX = Duration.ofDays(3650);

    @ParameterizedTest
    @CsvSource({ "30s, PT30S", "15m, PT15M", "4h, PT4H", "7d, PT168H", "2w, PT336H", "1h30m, PT1H30M",
            "PT4H, PT4H", "P7D, PT168H", "pt90s, PT1M30S" })
    void parses(String text, String expected) {
        assertEquals(Duration.parse(expected), BanDuration.parse(text, MAX).orElseThrow());
    }

    @Test
    void permanentIsEmpty() {
        assertTrue(BanDuration.parse("permanent", MAX).isEmpty());
    }

    @Test
    void aLongRepetitionIsRefusedWithoutOverflowingTheStack() {
        var e = assertThrows(IllegalArgumentException.class, () -> BanDuration.parse("1h".repeat(5000), MAX));
        assertTrue(e.getMessage().contains("at most 64 characters"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BanDuration.parse("1h".repeat(500_000), MAX));
    }

    @Test
    void aSumPastAnyLimitIsRefusedNotOverflowed() {
        var e = assertThrows(IllegalArgumentException.class, () -> BanDuration.parse("999999999w".repeat(6), MAX));
        assertTrue(e.getMessage().contains("at most 3650d"), e.getMessage());
        var iso = assertThrows(IllegalArgumentException.class, () -> BanDuration.parse("PT9999999999999999999H", MAX));
        assertTrue(iso.getMessage().contains("is not a duration"), iso.getMessage());
        assertEquals(Duration.ofDays(3650), BanDuration.parse("521w3d", MAX).orElseThrow());
        assertEquals(Duration.ofSeconds(999_999_999L * 3), BanDuration.parse("999999999s".repeat(3), Duration.ofDays(365_000)).orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "4", "h", "4x", "-4h", "0s", "PT0S", "PT-1H", "forever", "3651d", "4 h", "1h 30m", "1234567890s", "4H", "\u0664h",
            "1h30", "permanently", "P", "p" })
    void rejects(String text) {
        assertThrows(IllegalArgumentException.class, () -> BanDuration.parse(text, MAX));
    }
}
