package dev.banlist.distribution;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

@QuarkusTest
class StreamTest {

    static String ban(String value, String extra) {
        return admin().contentType("application/json").body("{\"value\":\"" + value + "\"" + extra + "}")
                .post("/api/v1/decisions").then().statusCode(201).extract().path("id").toString();
    }

    static JsonPath snapshot() {
        return admin().get("/api/v1/stream").then().statusCode(200).extract().jsonPath();
    }

    static JsonPath since(String cursor, String query) {
        return admin().queryParam("since", cursor).get("/api/v1/stream" + query).then().statusCode(200).extract().jsonPath();
    }

    /**
     * The values of a page's list within this test's documentation ranges: imports and expiries of other test
     * classes' decisions may run in the background and are no business of these assertions.
     */
    static List<String> values(JsonPath page, String list) {
        return page.getList(list + ".value", String.class).stream()
                .filter(v -> v.startsWith("198.51.100.") || v.startsWith("203.0.113.")).toList();
    }

    @Test
    void aSnapshotThenDeltasCarryBansExtensionsAndUnbans() {
        String id = ban("198.51.100.31", ",\"duration\":\"1h\"");
        JsonPath snap = snapshot();
        assertTrue(values(snap, "new").contains("198.51.100.31"));
        assertEquals(List.of(), snap.getList("deleted"));
        assertFalse(snap.getBoolean("more"));
        String cursor = snap.getString("cursor");

        JsonPath empty = since(cursor, "");
        assertFalse(values(empty, "new").contains("198.51.100.31"));
        assertFalse(values(empty, "deleted").contains("198.51.100.31"));

        ban("198.51.100.31", ",\"duration\":\"2h\"");
        JsonPath extended = since(empty.getString("cursor"), "");
        assertTrue(values(extended, "new").contains("198.51.100.31"), "an extension is sent again as new");

        admin().delete("/api/v1/decisions/" + id).then().statusCode(200);
        JsonPath unbanned = since(extended.getString("cursor"), "");
        assertEquals(List.of("198.51.100.31"), values(unbanned, "deleted").stream()
                .filter("198.51.100.31"::equals).toList());
        assertFalse(values(unbanned, "new").contains("198.51.100.31"));
    }

    /**
     * Transaction A takes its id and change-log sequence first but commits last. A cursor ordered by sequence
     * would move past A's row while A is in flight (after B's larger one) and never send it.
     */
    @Test
    void changesCommittedInReverseOrderAreAllDelivered() throws Exception {
        String cursor = snapshot().getString("cursor");
        try (Connection a = TestSupport.jdbc(); Connection b = TestSupport.jdbc()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            insert(a, "198.51.100.41");
            insert(b, "198.51.100.42");
            b.commit();

            JsonPath first = since(cursor, "");
            assertEquals(List.of("198.51.100.42"), values(first, "new"));
            a.commit();

            JsonPath second = since(first.getString("cursor"), "");
            assertEquals(List.of("198.51.100.41"), values(second, "new"), "the earlier, later-committed change arrives");
            JsonPath third = since(second.getString("cursor"), "");
            assertEquals(List.of(), values(third, "new"), "and only once");
        }
    }

    private static void insert(Connection c, String value) throws Exception {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO decisions (value, type, origin) VALUES ('" + value + "', 'ban', 'other-replica')");
        }
    }

    @Test
    void anExpiredDecisionReachesDeletedWithinSecondsWithoutAnyWrite() {
        String cursor = snapshot().getString("cursor");
        ban("198.51.100.51", ",\"duration\":\"2s\"");
        long started = System.nanoTime();
        Set<String> deleted = new HashSet<>();
        Set<String> added = new HashSet<>();
        while (!deleted.contains("198.51.100.51") && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(15)) {
            JsonPath page = since(cursor, "?wait=5s");
            added.addAll(values(page, "new"));
            deleted.addAll(values(page, "deleted"));
            cursor = page.getString("cursor");
        }
        assertTrue(added.contains("198.51.100.51"));
        assertTrue(deleted.contains("198.51.100.51"), "expiry was streamed as a deletion");
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "within seconds of the expiry");
    }

    @Test
    void aLongPollReturnsWhenAnotherConnectionCommits() throws Exception {
        String cursor = snapshot().getString("cursor");
        long started = System.nanoTime();
        CompletableFuture<JsonPath> poll = CompletableFuture.supplyAsync(() -> since(cursor, "?wait=30s"));
        Thread.sleep(700);
        assertFalse(poll.isDone(), "the poll waits while nothing changes");
        assertTrue(TestSupport.metric("banlist_stream_waiters") >= 1, "the waiting poll is counted");
        try (Connection other = TestSupport.jdbc()) {
            insert(other, "198.51.100.61");
        }
        JsonPath page = poll.get(20, TimeUnit.SECONDS);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(List.of("198.51.100.61"), values(page, "new"));
        assertTrue(tookMillis < 15_000, "woken by the commit, not by the 30 s wait: " + tookMillis + " ms");
    }

    @Test
    void aLargeDeltaIsPaged() {
        String cursor = snapshot().getString("cursor");
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 25; i++) {
            body.append(i == 0 ? "" : ",").append("{\"value\":\"203.0.113.").append(100 + i).append("\"}");
        }
        admin().contentType("application/json").body(body.append("]").toString()).post("/api/v1/decisions")
                .then().statusCode(201);
        Set<String> seen = new HashSet<>();
        int pages = 0;
        boolean more = true;
        while (more) {
            JsonPath page = since(cursor, "?limit=10");
            assertTrue(values(page, "new").size() <= 10);
            seen.addAll(values(page, "new"));
            more = page.getBoolean("more");
            cursor = page.getString("cursor");
            pages++;
        }
        assertEquals(25, seen.size());
        assertEquals(3, pages);
    }

    @Test
    void badParametersAre400AndOtherRolesAre403() {
        admin().queryParam("since", "not-a-cursor").get("/api/v1/stream").then().statusCode(400)
                .body("details.fields[0].field", equalTo("since"));
        String cursor = snapshot().getString("cursor");
        admin().queryParam("since", cursor).get("/api/v1/stream?limit=0").then().statusCode(400);
        admin().queryParam("since", cursor).get("/api/v1/stream?wait=10h").then().statusCode(400);
        String agent = TestSupport.newKey("stream-agent", "agent");
        as(agent).get("/api/v1/stream").then().statusCode(403);
        String enforcer = TestSupport.newKey("stream-enforcer", "enforcer");
        as(enforcer).get("/api/v1/stream").then().statusCode(200);
        String metrics = io.restassured.RestAssured.get("/q/metrics").asString();
        assertTrue(metrics.contains("banlist_enforcer_last_pull_age_seconds{key=\"stream-enforcer\"}"), "per-key pull age");
        assertTrue(TestSupport.metric("banlist_stream_requests_total", "endpoint=\"stream\"", "kind=\"snapshot\"") > 0);
        assertTrue(TestSupport.metric("banlist_stream_bytes_total", "endpoint=\"stream\"", "kind=\"snapshot\"") > 0);
        assertTrue(TestSupport.metric("banlist_index_entries") > 0);
        assertTrue(metrics.contains("banlist_index_staleness_seconds "), "staleness gauge");
    }
}
