package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;
import dev.banlist.support.Upstream;

/**
 * An apply that meets a row lock held by another session: it gives up after the lock timeout and leaves the old
 * set whole, and meanwhile the API keeps working (labels and settings do not wait for an import, deletion does).
 */
@QuarkusTest
class ImportConcurrencyTest {

    static final Upstream UPSTREAM = new Upstream();

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    @Test
    void anImportWaitsAtMostTheLockTimeoutAndTheApiKeepsWorkingMeanwhile() throws Exception {
        String feodo = new String(Upstream.resource("feodo.ipset"), StandardCharsets.US_ASCII);
        UPSTREAM.plain("/busy", feodo.getBytes(StandardCharsets.US_ASCII));
        long id = Sources.create("busy-import", UPSTREAM.url("/busy"), "plain");
        assertEquals("success", Sources.run(id).getString("status"));
        List<String> before = Sources.activeValues("busy-import");
        String dropped = before.get(0).replace("/32", "");
        UPSTREAM.plain("/busy", feodo.replace("\n" + dropped + "\n", "\n").concat("198.51.100.77\n")
                .getBytes(StandardCharsets.US_ASCII));

        try (Connection holder = TestSupport.jdbc()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT id FROM decisions WHERE origin = 'list:busy-import' AND value = '"
                    + dropped + "' AND ended_at IS NULL FOR UPDATE");
            long runId = Sources.startRun(id);
            awaitApplyBlockedOnTheRowLock();
            admin().contentType("application/json").body("{\"during\":\"import\"}")
                    .patch("/api/v1/sources/" + id + "/labels").then().statusCode(200);
            admin().contentType("application/json").body("{\"value\":\"198.51.100.78\",\"origin\":\"concurrent\"}")
                    .post("/api/v1/decisions").then().statusCode(201);
            JsonPath run = Sources.awaitRun(id, runId);
            assertEquals("failed", run.getString("status"));
            assertEquals("DATABASE_ERROR", run.getString("error_code"));
            assertTrue(run.getString("message").contains("DATABASE_BUSY"), run.getString("message"));
            holder.rollback();
        }
        assertEquals(before, Sources.activeValues("busy-import"), "a failed apply leaves the old set whole");
        assertEquals("import", Sources.source(id).getString("labels.during"));

        JsonPath retry = Sources.run(id);
        assertEquals("success", retry.getString("status"));
        assertEquals(1, retry.getInt("added"));
        assertEquals(1, retry.getInt("removed"));
    }

    @Test
    void deletionWaitsForARunningApplyAndGivesUpAsBusy() throws Exception {
        UPSTREAM.plain("/del-busy", Upstream.resource("feodo.ipset"));
        long id = Sources.create("del-busy", UPSTREAM.url("/del-busy"), "plain");
        Sources.run(id);
        UPSTREAM.plain("/del-busy", "198.51.100.1\n".getBytes(StandardCharsets.US_ASCII));
        try (Connection holder = TestSupport.jdbc()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT id FROM decisions WHERE origin = 'list:del-busy'"
                    + " AND ended_at IS NULL LIMIT 1 FOR UPDATE");
            long runId = Sources.startRun(id);
            awaitApplyBlockedOnTheRowLock();
            admin().delete("/api/v1/sources/" + id).then().statusCode(503).body("error_code", equalTo("DATABASE_BUSY"));
            Sources.awaitRun(id, runId);
            holder.rollback();
        }
        // the busy delete either never marked the source or marked it and could not end the locked decision:
        // both leave every entry in place, and repeating the DELETE finishes it
        String status = Sources.source(id).getString("status");
        assertTrue(status.equals("degraded") || status.equals("deleting"), status);
        assertEquals(235, Sources.activeCount("del-busy"));
        admin().delete("/api/v1/sources/" + id).then().statusCode(200);
        assertEquals(0, Sources.activeCount("del-busy"));
    }

    @Test
    void aDroppedEntryStaysBannedForTheSourcesBanDurationAndReturnsWhenListedAgain() throws Exception {
        UPSTREAM.plain("/grace", "198.51.100.10\n198.51.100.11\n".getBytes(StandardCharsets.US_ASCII));
        long id = Sources.create("grace", UPSTREAM.url("/grace"), "plain", "\"ban_duration\":\"1h\"");
        Sources.run(id);
        UPSTREAM.plain("/grace", "198.51.100.10\n".getBytes(StandardCharsets.US_ASCII));
        JsonPath run = Sources.run(id);
        assertEquals(1, run.getInt("removed"));
        assertEquals(2, Sources.activeCount("grace"), "still banned during its grace period");
        assertEquals(1, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'list:grace' AND ended_at IS NULL"
                + " AND value = '198.51.100.11' AND expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes'"));
        UPSTREAM.plain("/grace", "198.51.100.10\n198.51.100.11\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(1, Sources.run(id).getInt("added"));
        assertEquals(0, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'list:grace' AND ended_at IS NULL"
                + " AND expires_at IS NOT NULL"));
        assertEquals(2, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'list:grace'"), "no duplicates");
    }

    /** Waits until the import's apply is waiting for the row lock the test holds. */
    private static void awaitApplyBlockedOnTheRowLock() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() ->
                TestSupport.count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'banlist'"
                        + " AND wait_event_type = 'Lock' AND query LIKE 'UPDATE decisions d SET%'") == 1);
    }
}
