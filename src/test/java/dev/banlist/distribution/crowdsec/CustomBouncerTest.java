package dev.banlist.distribution.crowdsec;

import static dev.banlist.support.TestSupport.admin;

import java.net.URL;
import java.time.Duration;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import dev.banlist.support.CustomBouncer;
import dev.banlist.support.TestSupport;

/**
 * Debian's real crowdsec-custom-bouncer against this service: every ban and unban made through the API reaches
 * the bouncer's script as an add and a del. Skipped, with the reason, where the package is not installed.
 */
@QuarkusTest
class CustomBouncerTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void theRealBouncerReceivesEachBanAndUnban() {
        CustomBouncer.assumeInstalled();
        admin().contentType("application/json").body("{\"value\":\"198.51.100.151\",\"duration\":\"4h\",\"reason\":\"before-start\"}")
                .post("/api/v1/decisions").then().statusCode(201);
        String key = TestSupport.newKey("custom-bouncer-" + System.nanoTime(), "enforcer");
        try (CustomBouncer bouncer = CustomBouncer.start(root.toString(), key, Duration.ofMillis(500))) {
            // The startup stream is the whole active set of the shared test database, one script call a decision,
            // and this ban is among the last: its wait grows with the database, and so does the time it lost.
            bouncer.awaitLine(line -> line.startsWith("add 198.51.100.151 ") && line.contains(" before-start ")
                    && secondsLeft(line) > 14_400 - 600 && secondsLeft(line) <= 14_400, Duration.ofSeconds(240));

            admin().contentType("application/json")
                    .body("{\"value\":\"2001:db8:77::/48\",\"duration\":\"1h\",\"reason\":\"e2e-range\"}")
                    .post("/api/v1/decisions").then().statusCode(201);
            admin().contentType("application/json").body("{\"value\":\"198.51.100.152\",\"reason\":\"e2e-permanent\"}")
                    .post("/api/v1/decisions").then().statusCode(201);
            bouncer.awaitLine(line -> line.startsWith("add 2001:db8:77::/48 35") && line.contains("\"scope\":\"Range\""),
                    Duration.ofSeconds(20));
            bouncer.awaitLine(line -> line.startsWith("add 198.51.100.152 ") && line.contains("e2e-permanent"),
                    Duration.ofSeconds(20));

            admin().delete("/api/v1/decisions?value=198.51.100.151").then().statusCode(200);
            bouncer.awaitLine(line -> line.startsWith("del 198.51.100.151 "), Duration.ofSeconds(20));
            admin().delete("/api/v1/decisions?value=2001:db8:77::/48").then().statusCode(200);
            bouncer.awaitLine(line -> line.startsWith("del 2001:db8:77::/48 "), Duration.ofSeconds(20));

            // An expiry nobody writes reaches the bouncer as a deletion too.
            admin().contentType("application/json").body("{\"value\":\"198.51.100.153\",\"duration\":\"2s\",\"reason\":\"e2e-expiry\"}")
                    .post("/api/v1/decisions").then().statusCode(201);
            bouncer.awaitLine(line -> line.startsWith("add 198.51.100.153 "), Duration.ofSeconds(20));
            bouncer.awaitLine(line -> line.startsWith("del 198.51.100.153 "), Duration.ofSeconds(20));
        }
    }

    /** The duration argument of a script call: {@code add <value> <seconds> <scenario> <json>}. */
    private static long secondsLeft(String line) {
        String[] parts = line.split(" ", 4);
        return parts.length < 3 ? -1 : Long.parseLong(parts[2]);
    }
}
