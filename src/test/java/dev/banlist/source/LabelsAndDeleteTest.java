package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;
import dev.banlist.support.Upstream;

/** Label merges and deletion: ordering and atomicity under real concurrency and real row locks. */
@QuarkusTest
class LabelsAndDeleteTest {

    static final Upstream UPSTREAM = new Upstream();

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    private static Response patch(long id, String json) {
        return admin().contentType("application/json").body(json).patch("/api/v1/sources/" + id + "/labels");
    }

    @Test
    void mergeCountsHonestly() {
        long id = Sources.create("labels-merge", "http://lists.example.org/a", "plain", "\"labels\":{\"keep\":\"1\",\"gone\":\"x\"}");
        patch(id, "{\"key\":\"value\",\"gone\":null,\"absent\":null,\"keep\":\"1\"}").then().statusCode(200)
                .body("labels", equalTo(Map.of("keep", "1", "key", "value"))).body("set", equalTo(1))
                .body("removed", equalTo(1));
        assertEquals(Map.of("keep", "1", "key", "value"), Sources.source(id).getMap("labels"));
        patch(id, "{\"key\":42}").then().statusCode(400);
        patch(id, "[1]").then().statusCode(400);
    }

    @Test
    void thirtyTwoConcurrentPatchesWithDisjointKeysAllSurvive() throws Exception {
        long id = Sources.create("labels-race", "http://lists.example.org/b", "plain");
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String json = "{\"k" + i + "\":\"v" + i + "\"}";
                results.add(pool.submit(() -> patch(id, json).statusCode()));
            }
            for (Future<Integer> r : results) {
                assertEquals(200, r.get());
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Object> labels = Sources.source(id).getMap("labels");
        assertEquals(32, labels.size(), labels.toString());
        for (int i = 0; i < 32; i++) {
            assertEquals("v" + i, labels.get("k" + i));
        }
    }

    @Test
    void labelsOverTheCapAre413AndNothingIsWritten() {
        long id = Sources.create("labels-big", "http://lists.example.org/c", "plain", "\"labels\":{\"a\":\"b\"}");
        String big = "x".repeat(40 * 1024);
        patch(id, "{\"one\":\"" + big + "\"}").then().statusCode(200);
        patch(id, "{\"two\":\"" + big + "\"}").then().statusCode(413).body("error_code", equalTo("LABELS_TOO_LARGE"));
        assertEquals(2, Sources.source(id).getMap("labels").size());
        // replacing the big one with a small one is fine again
        patch(id, "{\"one\":null,\"two\":\"" + big + "\"}").then().statusCode(200).body("set", equalTo(1))
                .body("removed", equalTo(1));
    }

    @Test
    void aLockedSourceRowIsDatabaseBusyAndCounted() throws Exception {
        long id = Sources.create("labels-locked", "http://lists.example.org/d", "plain");
        double busyBefore = TestSupport.metric("banlist_db_busy_total", "operation=\"source.labels\"");
        try (Connection holder = TestSupport.jdbc()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT * FROM sources WHERE id = " + id + " FOR UPDATE");
            patch(id, "{\"a\":\"b\"}").then().statusCode(503).body("error_code", equalTo("DATABASE_BUSY"))
                    .header("Retry-After", org.hamcrest.Matchers.notNullValue());
            holder.rollback();
        }
        assertTrue(TestSupport.metric("banlist_db_busy_total", "operation=\"source.labels\"") > busyBefore);
        patch(id, "{\"a\":\"b\"}").then().statusCode(200);
    }

    @Test
    void deleteEndsDecisionsAndRemovesTheSourceWithItsRuns() throws Exception {
        UPSTREAM.plain("/del", Upstream.resource("feodo.ipset"));
        long id = Sources.create("deleted", UPSTREAM.url("/del"), "plain");
        assertEquals("success", Sources.run(id).getString("status"));
        admin().delete("/api/v1/sources/" + id).then().statusCode(200).body("ended_decisions", equalTo(235));
        admin().get("/api/v1/sources/" + id).then().statusCode(404);
        assertEquals(0, Sources.activeCount("deleted"));
        assertEquals(235, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'list:deleted'"
                + " AND end_reason = 'source_deleted' AND source_id IS NULL"));
        assertEquals(0, TestSupport.count("SELECT count(*) FROM source_runs WHERE source_id = " + id));
        // the foreign key makes a decision pointing at the removed source impossible
        try (Connection c = TestSupport.jdbc()) {
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> c.createStatement()
                    .execute("INSERT INTO decisions (value, type, origin, source_id) VALUES ('198.51.100.9', 'ban',"
                            + " 'list:deleted', " + id + ")"));
            assertEquals("23503", e.getSQLState());
        }
    }

    @Test
    void deletionFindsEveryDecisionASourceEverMadeByIndexNotByScanningTheTable() throws Exception {
        // ON DELETE SET NULL looks up all of the source's decisions, ended ones included
        try (Connection c = TestSupport.jdbc(); var s = c.createStatement()) {
            s.execute("SET enable_seqscan = off");
            StringBuilder plan = new StringBuilder();
            try (var rs = s.executeQuery("EXPLAIN SELECT 1 FROM decisions WHERE source_id = 424242")) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            assertTrue(plan.toString().contains("decisions_source"), plan.toString());
        }
    }

    @Test
    void deletingASourceWithLongHistoryOnASessionWhoseFirstUpdateTouchedOneRowIsNotQuadratic() throws Exception {
        long id = Sources.create("long-history", "http://lists.example.org/h", "plain");
        try (Connection c = TestSupport.jdbc(); var s = c.createStatement()) {
            s.execute("INSERT INTO decisions (value, type, origin, source_id, ended_at, end_reason)"
                    + " SELECT ('198.19.0.0'::inet + g)::cidr, 'ban', 'list:long-history', " + id
                    + ", now(), 'removed_from_list' FROM generate_series(1, 100000) g");
            // the session's first update touches one row: the change-log trigger's join is planned for that size
            s.execute("UPDATE decisions SET reason = 'first' WHERE id = (SELECT max(id) FROM decisions"
                    + " WHERE source_id = " + id + ")");
            // a nested loop over 100,000 x 100,000 rows runs for many minutes; a hash join takes seconds
            s.execute("SET statement_timeout = '60s'");
            s.execute("DELETE FROM sources WHERE id = " + id); // ON DELETE SET NULL on every one of them
        }
        assertEquals(0, TestSupport.count("SELECT count(*) FROM decisions WHERE source_id = " + id));
        assertEquals(100000, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'list:long-history'"));
    }

    @Test
    void aSourceLeftDeletingRefusesRunsAndLabelsAndItsDeletionCanBeFinished() throws Exception {
        UPSTREAM.plain("/half", Upstream.resource("feodo.ipset"));
        long id = Sources.create("half-deleted", UPSTREAM.url("/half"), "plain");
        Sources.run(id);
        // as if the process stopped between marking and removing
        TestSupport.count("WITH u AS (UPDATE sources SET status = 'deleting' WHERE id = " + id + " RETURNING 1)"
                + " SELECT count(*) FROM u");
        patch(id, "{\"a\":\"b\"}").then().statusCode(409).body("error_code", equalTo("SOURCE_DELETING"));
        admin().post("/api/v1/sources/" + id + "/runs").then().statusCode(409).body("error_code", equalTo("SOURCE_DELETING"));
        admin().contentType("application/json").body("{\"name\":\"half-deleted\",\"url\":\"" + UPSTREAM.url("/half") + "\"}")
                .put("/api/v1/sources/" + id).then().statusCode(409).body("error_code", equalTo("SOURCE_DELETING"));
        assertEquals(235, Sources.activeCount("half-deleted"));
        admin().delete("/api/v1/sources/" + id).then().statusCode(200);
        assertEquals(0, Sources.activeCount("half-deleted"));
    }

    @Test
    void aLabelPatchRacingADeleteNeverWritesOntoADeletedSource() throws Exception {
        for (int round = 0; round < 5; round++) {
            String name = "race-" + round;
            long id = Sources.create(name, "http://lists.example.org/" + name, "plain");
            ExecutorService pool = Executors.newFixedThreadPool(9);
            try {
                List<Future<Integer>> patches = new ArrayList<>();
                Callable<Integer> delete = () -> admin().delete("/api/v1/sources/" + id).statusCode();
                Future<Integer> deleted = pool.submit(delete);
                for (int i = 0; i < 8; i++) {
                    String json = "{\"p" + i + "\":\"x\"}";
                    patches.add(pool.submit(() -> patch(id, json).statusCode()));
                }
                assertEquals(200, deleted.get());
                for (Future<Integer> p : patches) {
                    int status = p.get();
                    assertTrue(status == 200 || status == 404 || status == 409, "status " + status);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(0, TestSupport.count("SELECT count(*) FROM sources WHERE id = " + id));
            admin().get("/api/v1/sources/" + id).then().statusCode(404);
        }
    }
}
