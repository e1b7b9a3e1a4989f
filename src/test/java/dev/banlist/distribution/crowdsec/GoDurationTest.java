package dev.banlist.distribution.crowdsec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoDurationTest {

    private static final long NS = 1;
    private static final long US = 1_000 * NS;
    private static final long MS = 1_000 * US;
    private static final long S = 1_000 * MS;
    private static final long M = 60 * S;
    private static final long H = 60 * M;

    /** Go's own table (time_test.go, durationTests), checked, like Go does, also negated. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0s | 0",
            "1ns | 1",
            "1.1µs | 1100",
            "2.2ms | 2200000",
            "3.3s | 3300000000",
            "4m5s | 245000000000",
            "4m5.001s | 245001000000",
            "5h6m7.001s | 18367001000000",
            "8m0.000000001s | 480000000001",
            "2562047h47m16.854775807s | 9223372036854775807",
    })
    void goDurationTests(String expected, long nanos) {
        assertEquals(expected, GoDuration.format(nanos));
        if (nanos > 0) {
            assertEquals("-" + expected, GoDuration.format(-nanos));
        }
    }

    @Test
    void goDurationTestsBuiltFromUnits() {
        assertEquals("4m5s", GoDuration.format(4 * M + 5 * S));
        assertEquals("5h6m7.001s", GoDuration.format(5 * H + 6 * M + 7001 * MS));
        assertEquals("8m0.000000001s", GoDuration.format(8 * M + NS));
        assertEquals("-2562047h47m16.854775808s", GoDuration.format(Long.MIN_VALUE));
    }

    @Test
    void microIsTheMicroSignAsInGo() {
        assertEquals("1.1\u00b5s", GoDuration.format(1100));
        // U+00B5 MICRO SIGN, two bytes in UTF-8 as in Go, not U+03BC GREEK SMALL LETTER MU
        assertArrayEquals(new byte[] { '1', '.', '1', (byte) 0xC2, (byte) 0xB5, 's' },
                GoDuration.format(1100).getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "1.5µs | 1500",
            "1.234ms | 1234000",
            "1m0s | 60000000000",
            "2h0m0s | 7200000000000",
            "3h59m58.539897482s | 14398539897482",
            "-9.634588778s | -9634588778",
            "1h0m0.5s | 3600500000000",
            "999ns | 999",
            "1µs | 1000",
            "999.999µs | 999999",
            "1ms | 1000000",
            "999.999999ms | 999999999",
            "1s | 1000000000",
            "59.999999999s | 59999999999",
            "1m0.000001s | 60000001000",
            "1h0m0s | 3600000000000",
            "24h0m0s | 86400000000000",
            "-1ns | -1",
            "-1.5µs | -1500",
            "-1m0s | -60000000000",
            "10.01ms | 10010000",
            "100ms | 100000000",
    })
    void morePositionsOfUnitsAndFractions(String expected, long nanos) {
        assertEquals(expected, GoDuration.format(nanos));
    }
}
