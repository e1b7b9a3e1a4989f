package dev.banlist.persistence;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/**
 * With lock waits unbounded by lock_timeout, a held lock is cut by the statement timeout (reads, 57014) or by the
 * write budget (writes): both are DATABASE_TIMEOUT, never a hang. The locks are real.
 */
@QuarkusTest
@TestProfile(TimeoutsTest.Profile.class)
class TimeoutsTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "banlist.database.lock-timeout", "0s",
                    "banlist.database.statement-timeout", "1500ms",
                    "banlist.database.write-timeout", "500ms");
        }
    }

    @Test
    void aReadBlockedPastTheStatementTimeoutIsDatabaseTimeout() throws Exception {
        try (Connection holder = TestSupport.jdbc()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE");
            long start = System.nanoTime();
            // A listing reads the database (checks are answered from the in-memory index).
            admin().get("/api/v1/decisions?contains=192.0.2.1").then().statusCode(503)
                    .body("error_code", equalTo("DATABASE_TIMEOUT"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 1400 && ms < 10_000, "cut by the 1.5 s statement timeout, took " + ms + " ms");
            holder.rollback();
        }
    }

    @Test
    void aWriteBlockedPastTheRequestTimeoutIsDatabaseTimeoutAndWritesNothing() throws Exception {
        double before = TestSupport.metric("banlist_persist_failures_total", "operation=\"decision.create\"",
                "error_code=\"DATABASE_TIMEOUT\"");
        try (Connection holder = TestSupport.jdbc()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE");
            Response r = admin().contentType("application/json").body("{\"value\":\"192.0.2.230\",\"origin\":\"timeout\"}")
                    .post("/api/v1/decisions");
            r.then().statusCode(503).body("error_code", equalTo("DATABASE_TIMEOUT"));
            holder.rollback();
        }
        assertEquals(before + 1, TestSupport.metric("banlist_persist_failures_total", "operation=\"decision.create\"",
                "error_code=\"DATABASE_TIMEOUT\""));
        assertEquals(0, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'timeout'"));
    }
}
