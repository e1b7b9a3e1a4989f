package dev.banlist.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.support.Upstream;

/** The body size limit, lowered so that a real list exceeds it: announced, chunked, and compressed bodies. */
@QuarkusTest
@TestProfile(SmallBodyLimitTest.SmallLimit.class)
class SmallBodyLimitTest {

    public static class SmallLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("banlist.sources.max-body-size", "4K");
        }
    }

    static final Upstream UPSTREAM = new Upstream();

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    @Test
    void aListLargerThanTheLimitFailsAndAppliesNothing() throws Exception {
        byte[] large = Upstream.resource("spamhaus_drop.netset"); // 11 KiB
        UPSTREAM.plain("/large", large);
        long id = Sources.create("too-large", UPSTREAM.url("/large"), "plain");
        assertEquals("SOURCE_TOO_LARGE", Sources.run(id).getString("error_code"));
        // chunked, without a Content-Length: counted as it arrives
        UPSTREAM.handler("/large", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (var out = exchange.getResponseBody()) {
                out.write(large);
            }
        });
        assertEquals("SOURCE_TOO_LARGE", Sources.run(id).getString("error_code"));
        // compressed: the limit applies to the decompressed bytes (a small gzip can unpack to a lot)
        UPSTREAM.gzip("/large", large);
        assertEquals("SOURCE_TOO_LARGE", Sources.run(id).getString("error_code"));
        assertEquals(0, Sources.activeCount("too-large"));
    }
}
