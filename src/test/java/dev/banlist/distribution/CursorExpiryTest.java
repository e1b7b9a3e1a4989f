package dev.banlist.distribution;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.count;
import static dev.banlist.support.TestSupport.metric;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/**
 * A transaction left open for longer than the retention (a forgotten {@code psql}) holds the purge back rather
 * than expiring every cursor: with a retention of 2 s and purges every second, one held open for 15 s.
 */
@QuarkusTest
@TestProfile(CursorRetentionTest.ShortRetention.class)
class CursorExpiryTest {

    private static final String HELD_CHANGES = "SELECT count(*) FROM decision_changes c JOIN decisions d ON d.id = c.decision_id"
            + " WHERE d.value = '198.18.91.101' AND c.changed_at < now() - interval '4 seconds'";

    @Test
    void aTransactionOpenLongerThanTheRetentionNeitherExpiresFreshCursorsNorReloadsTheIndex() throws Exception {
        String first = admin().get("/api/v1/stream").then().statusCode(200).extract().path("cursor");
        double loads = metric("banlist_index_loads_total");
        try (Connection held = TestSupport.jdbc(); Statement s = held.createStatement()) {
            held.setAutoCommit(false);
            // A transaction id, as an open write transaction has: every snapshot taken meanwhile lists it in progress.
            s.execute("SELECT pg_current_xact_id()");
            long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            String cursor = first;
            while (System.nanoTime() < until) {
                StreamTest.ban("198.18.91.101", ",\"duration\":\"1h\"");
                String fresh = admin().get("/api/v1/stream").then().statusCode(200).extract().path("cursor");
                admin().queryParam("since", fresh).get("/api/v1/stream").then().statusCode(200);
                cursor = admin().queryParam("since", cursor).get("/api/v1/stream").then().statusCode(200)
                        .extract().path("cursor");
                Thread.sleep(500);
            }
            assertEquals(loads, metric("banlist_index_loads_total"), "the index did not reload");
            assertTrue(count(HELD_CHANGES) > 0, "changes newer than the open transaction are kept while it is open");
            held.rollback();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> count(HELD_CHANGES) == 0);
        String fresh = admin().get("/api/v1/stream").then().statusCode(200).extract().path("cursor");
        admin().queryParam("since", fresh).get("/api/v1/stream").then().statusCode(200);
    }
}
