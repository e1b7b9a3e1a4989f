package dev.banlist.index;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.metric;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import dev.banlist.devdb.EmbeddedPostgresServer;
import dev.banlist.support.LogCapture;
import dev.banlist.support.TestSupport;

/** The index keeps serving while it reloads and while the database is down, and says so once, not every poll. */
@QuarkusTest
class IndexReloadTest {

    private static void banned(String ip) {
        admin().contentType("application/json").body("{\"value\":\"" + ip + "\",\"duration\":\"1h\"}")
                .post("/api/v1/decisions").then().statusCode(201);
    }

    /** Reads that answer from the index, and readiness, all 200 for {@code duration}. */
    private static void servesThroughout(Duration duration, String ip) throws InterruptedException {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            admin().get("/api/v1/stream").then().statusCode(200).body("new.value", hasItem(ip));
            admin().queryParam("ip", ip).get("/api/v1/check").then().statusCode(200).body("banned", equalTo(true));
            given().get("/q/health/ready").then().statusCode(200);
            Thread.sleep(20);
        }
    }

    @Test
    void anExpiredCursorReloadsTheIndexBesideTheOldOneAlsoWithTheDatabaseDown() throws Exception {
        assumeTrue(System.getProperty(EmbeddedPostgresServer.PORT_PROPERTY) != null,
                "needs the embedded PostgreSQL, which this test stops and starts");
        banned("198.18.91.111");
        double loads = metric("banlist_index_loads_total");
        String purged;
        try (Connection c = TestSupport.jdbc(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT purged_through::text FROM change_log_state")) {
                rs.next();
                purged = rs.getString(1);
            }
            // Every cursor now counts as expired: the index reloads on every poll.
            s.execute("UPDATE change_log_state SET purged_through = (pg_current_xact_id()::text::bigint + 1000000000)::text::xid8");
        }
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> metric("banlist_index_loads_total") >= loads + 2);
            servesThroughout(Duration.ofSeconds(4), "198.18.91.111");
            EmbeddedPostgresServer.stop();
            try {
                servesThroughout(Duration.ofSeconds(4), "198.18.91.111");
            } finally {
                EmbeddedPostgresServer.restart();
            }
        } finally {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (Connection c = TestSupport.jdbc(); Statement s = c.createStatement()) {
                    s.execute("UPDATE change_log_state SET purged_through = '" + purged + "'");
                    return true;
                }
            });
        }
        assertTrue(metric("banlist_index_loads_total") >= loads + 2);
    }

    @Test
    void anOutageIsLoggedOnceWhenItStartsNotOnEveryPoll() throws Exception {
        assumeTrue(System.getProperty(EmbeddedPostgresServer.PORT_PROPERTY) != null,
                "needs the embedded PostgreSQL, which this test stops and starts");
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
        List<LogCapture.Line> lines;
        try (LogCapture capture = LogCapture.open()) {
            EmbeddedPostgresServer.stop();
            try {
                // Six or more index polls at 500 ms.
                Thread.sleep(4000);
            } finally {
                EmbeddedPostgresServer.restart();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> capture.lines().stream()
                    .anyMatch(l -> l.message().contains("synchronised with the database again")));
            lines = capture.lines();
        }
        List<LogCapture.Line> index = lines.stream()
                .filter(l -> l.level().equals("WARN") && (l.message().contains("index.") || l.logger().endsWith("IndexSynchronizer")))
                .toList();
        assertEquals(1, index.size(), index.toString());
    }
}
