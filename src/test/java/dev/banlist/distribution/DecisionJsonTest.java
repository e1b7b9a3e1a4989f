package dev.banlist.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Test;

import dev.banlist.decision.Decision;
import dev.banlist.index.IndexedDecision;
import dev.banlist.net.IpNetwork;

/** The hand-written JSON must be what Jackson, configured as the service configures it, writes. */
class DecisionJsonTest {

    private final ObjectMapper jackson = new ObjectMapper().registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Test
    void timestampsAreWrittenAsInstantToStringWritesThem() {
        Random random = new Random(7);
        long[] fixed = { 0, 1, 999, 1000, 999_999, 1_000_000, -1, 1_700_000_000_000_000L, 253_402_300_799_999_999L };
        for (long micros : fixed) {
            check(micros);
        }
        for (int i = 0; i < 100_000; i++) {
            long micros = random.nextLong() % 253_402_300_799_999_999L;
            check(Math.abs(micros));
            check(micros - micros % 1000);
        }
    }

    private static void check(long micros) {
        StringBuilder out = new StringBuilder();
        DecisionJson.micros(out, micros);
        Instant instant = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L);
        assertEquals("\"" + instant + "\"", out.toString(), "micros " + micros);
    }

    @Test
    void decisionsAreWrittenAsJacksonWritesThem() throws Exception {
        Decision d = new Decision(42, "2001:db8::/32", "range", "ban", "agent \"x\"\n", null, "tab\there \u2028 \u0001\u001f",
                Instant.parse("2026-11-22T10:00:00.123456Z"), Instant.parse("2026-11-22T14:00:00Z"), null);
        StringBuilder out = new StringBuilder();
        DecisionJson.append(out, d);
        assertEquals(jackson.writeValueAsString(d), out.toString());

        IndexedDecision e = IndexedDecision.of(7, IpNetwork.parse("198.51.100.7"), "ban", "list:x", "sshd", null,
                1_763_805_600_123_000L, Long.MAX_VALUE);
        Decision same = new Decision(7, "198.51.100.7", "ip", "ban", "list:x", "sshd", null,
                Instant.ofEpochSecond(1_763_805_600L, 123_000_000L), null, null);
        StringBuilder fromIndex = new StringBuilder();
        DecisionJson.append(fromIndex, e);
        assertEquals(jackson.writeValueAsString(same), fromIndex.toString());
    }
}
