package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.metric;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.persistence.AdvisoryLocks;
import dev.banlist.support.TestSupport;
import dev.banlist.support.Upstream;

/**
 * The per-source import lock, held for real from a second database session (as another replica would hold it),
 * and the scheduler around it.
 */
@QuarkusTest
class ImportLockTest {

    static final Upstream UPSTREAM = new Upstream();

    @Inject
    ImportScheduler scheduler;

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    private static Connection holdLock(long sourceId) throws Exception {
        Connection other = TestSupport.jdbc();
        try (var s = other.prepareStatement("SELECT pg_advisory_lock(?, ?)")) {
            s.setInt(1, AdvisoryLocks.SOURCE_IMPORT);
            s.setInt(2, (int) sourceId);
            s.execute();
        }
        return other;
    }

    @Test
    void aManualRunWhileAnotherSessionHoldsTheLockIs409() throws Exception {
        UPSTREAM.plain("/manual", Upstream.resource("feodo.ipset"));
        long id = Sources.create("manual-locked", UPSTREAM.url("/manual"), "plain");
        try (Connection other = holdLock(id)) {
            admin().post("/api/v1/sources/" + id + "/runs").then().statusCode(409)
                    .body("error_code", equalTo("IMPORT_RUNNING"));
        }
        assertEquals(0, UPSTREAM.requests("/manual").size());
        assertEquals("success", Sources.run(id).getString("status"));
    }

    @Test
    void aScheduledRunThatFindsTheLockTakenIsRecordedAsSkippedAndRunsLater() throws Exception {
        UPSTREAM.plain("/sched", Upstream.resource("feodo.ipset"));
        long id = Sources.create("sched-locked", UPSTREAM.url("/sched"), "plain");
        try (Connection other = holdLock(id)) {
            admin().contentType("application/json").body("{\"name\":\"sched-locked\",\"url\":\"" + UPSTREAM.url("/sched")
                    + "\",\"interval\":\"1h\",\"enabled\":true}").put("/api/v1/sources/" + id).then().statusCode(200);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    metric("banlist_import_skipped_locked_total", "source=\"sched-locked\"") >= 1);
            JsonPath runs = admin().get("/api/v1/sources/" + id + "/runs").then().extract().jsonPath();
            assertEquals("skipped_locked", runs.getString("runs[0].status"));
            assertEquals("schedule", runs.getString("runs[0].trigger"));
            assertEquals(0, UPSTREAM.requests("/sched").size());
            assertEquals("pending", Sources.source(id).getString("status"), "a skip is not a failure");
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "ok".equals(Sources.source(id).getString("status")));
        JsonPath runs = admin().get("/api/v1/sources/" + id + "/runs").then().extract().jsonPath();
        assertEquals("success", runs.getString("runs[0].status"));
        assertEquals("schedule", runs.getString("runs[0].trigger"));
        // due again only after its interval: the following ticks leave it alone
        Thread.sleep(2500);
        assertEquals(1, UPSTREAM.requests("/sched").size());
    }

    @Test
    void aSourceHeldByAnotherReplicaIsRecordedAsSkippedOncePerDueTimeNotOncePerTick() throws Exception {
        UPSTREAM.plain("/held", Upstream.resource("feodo.ipset"));
        long id = Sources.create("held-long", UPSTREAM.url("/held"), "plain");
        try (Connection other = holdLock(id)) {
            admin().contentType("application/json").body("{\"name\":\"held-long\",\"url\":\"" + UPSTREAM.url("/held")
                    + "\",\"interval\":\"1h\",\"enabled\":true}").put("/api/v1/sources/" + id).then().statusCode(200);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> TestSupport.count(
                    "SELECT count(*) FROM source_runs WHERE status = 'skipped_locked' AND source_id = " + id) >= 1);
            // several more ticks (one a second) find it due and locked while the other session holds it
            Thread.sleep(4000);
            assertEquals(1, TestSupport.count(
                    "SELECT count(*) FROM source_runs WHERE status = 'skipped_locked' AND source_id = " + id));
            assertEquals(1.0, metric("banlist_import_skipped_locked_total", "source=\"held-long\""));
            assertEquals(1.0, metric("banlist_import_runs_total", "source=\"held-long\"", "status=\"skipped_locked\""));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(Sources.source(id).getString("status")));
    }

    @Test
    void aRunLeftRunningByAStoppedProcessIsMarkedInterruptedByTheNextRun() throws Exception {
        UPSTREAM.plain("/interrupted", Upstream.resource("feodo.ipset"));
        long id = Sources.create("interrupted", UPSTREAM.url("/interrupted"), "plain");
        long stale = TestSupport.count("INSERT INTO source_runs (source_id, trigger, instance, status)"
                + " VALUES (" + id + ", 'schedule', 'stopped-pod', 'running') RETURNING id");
        assertEquals("success", Sources.run(id).getString("status"));
        JsonPath run = admin().get("/api/v1/sources/" + id + "/runs/" + stale).then().statusCode(200).extract().jsonPath();
        assertEquals("failed", run.getString("status"));
        assertEquals("INTERRUPTED", run.getString("error_code"));
    }

    @Test
    void anApplyWaitsForAnEarlierApplyOfTheSourceStillRunningOnTheServer() throws Exception {
        UPSTREAM.plain("/dying", Upstream.resource("feodo.ipset"));
        long id = Sources.create("dying-apply", UPSTREAM.url("/dying"), "plain");
        long runId;
        try (Connection dying = TestSupport.jdbc()) {
            // stands in for a killed replica's apply statement that the server has not yet cancelled
            dying.setAutoCommit(false);
            try (var s = dying.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
                s.setInt(1, AdvisoryLocks.SOURCE_APPLY);
                s.setInt(2, (int) id);
                s.execute();
            }
            runId = Sources.startRun(id);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> TestSupport.count(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'banlist'"
                            + " AND wait_event_type = 'Lock' AND wait_event = 'advisory'") == 1);
            Thread.sleep(1500); // longer than the lock timeout: the apply keeps waiting, it does not fail
            assertEquals("running", admin().get("/api/v1/sources/" + id + "/runs/" + runId).then().extract()
                    .jsonPath().getString("status"));
            assertEquals(0, Sources.activeCount("dying-apply"));
            dying.rollback();
        }
        assertEquals("success", Sources.awaitRun(id, runId).getString("status"));
        assertEquals(235, Sources.activeCount("dying-apply"));
    }

    @Test
    void oldRunsArePurged() throws Exception {
        UPSTREAM.plain("/old", Upstream.resource("feodo.ipset"));
        long id = Sources.create("old-runs", UPSTREAM.url("/old"), "plain");
        long kept = Sources.startRun(id);
        Sources.awaitRun(id, kept);
        long old = TestSupport.count("INSERT INTO source_runs (source_id, trigger, instance, status, started_at, finished_at)"
                + " VALUES (" + id + ", 'schedule', 'x', 'success', now() - interval '91 days', now() - interval '91 days')"
                + " RETURNING id");
        scheduler.purgeRuns();
        assertEquals(0, TestSupport.count("SELECT count(*) FROM source_runs WHERE id = " + old));
        assertEquals(1, TestSupport.count("SELECT count(*) FROM source_runs WHERE id = " + kept));
        assertTrue(metric("banlist_import_duration_seconds_count", "source=\"old-runs\"") >= 1);
        assertTrue(metric("banlist_import_entries_total", "source=\"old-runs\"", "change=\"added\"") >= 235);
    }
}
