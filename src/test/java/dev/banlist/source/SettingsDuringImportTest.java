package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;
import dev.banlist.support.Upstream;

/**
 * Settings changed while an import runs are never lost: the run writes only what it owns and only while the
 * settings it read are current; changed settings take effect on the next run even when the list is the same.
 * The upstream is a real local HTTP server held mid-download by the test.
 */
@QuarkusTest
@TestProfile(SettingsDuringImportTest.LongLockWait.class)
class SettingsDuringImportTest {

    /**
     * A lock wait long enough that a test can commit a change while an apply waits for it, and a read timeout
     * longer than a held download, on a loaded machine.
     */
    public static class LongLockWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("banlist.database.lock-timeout", "30s", "banlist.sources.read-timeout", "60s");
        }
    }

    static final Upstream UPSTREAM = new Upstream();
    private static final byte[] LIST = "198.18.40.1\n198.18.40.2\n198.18.40.3\n".getBytes(StandardCharsets.US_ASCII);

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    /**
     * Serves the list with an ETag, but the first request stops after a few bytes until {@code release} opens;
     * {@code started} opens once those bytes are out.
     */
    private static void slowList(String path, String etag, CountDownLatch started, CountDownLatch release) {
        AtomicInteger calls = new AtomicInteger();
        UPSTREAM.handler(path, exchange -> {
            exchange.getResponseHeaders().add("ETag", etag);
            exchange.sendResponseHeaders(200, LIST.length);
            OutputStream out = exchange.getResponseBody();
            if (calls.getAndIncrement() == 0) {
                out.write(LIST, 0, 5);
                out.flush();
                started.countDown();
                await(release);
                out.write(LIST, 5, LIST.length - 5);
            } else {
                out.write(LIST);
            }
            out.close();
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void put(long id, String json) {
        admin().contentType("application/json").body(json).put("/api/v1/sources/" + id).then().statusCode(200);
    }

    private static boolean dueNow(long id) throws Exception {
        return TestSupport.count("SELECT count(*) FROM sources WHERE id = " + id + " AND next_run_at <= now()") == 1;
    }

    @Test
    void aNewUrlPutDuringTheDownloadIsKeptAndFetchedAfreshAtOnce() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        slowList("/moved-old", "\"old-etag\"", started, release);
        UPSTREAM.list("/moved-new", "198.18.40.9\n");
        long id = Sources.create("moved", UPSTREAM.url("/moved-old"), "plain");

        long runId = Sources.startRun(id);
        assertTrue(started.await(60, TimeUnit.SECONDS), "the download began");
        put(id, "{\"name\":\"moved\",\"url\":\"" + UPSTREAM.url("/moved-new") + "\",\"enabled\":false}");
        release.countDown();

        JsonPath run = Sources.awaitRun(id, runId);
        assertEquals("superseded", run.getString("status"));
        JsonPath source = Sources.source(id);
        assertEquals(UPSTREAM.url("/moved-new"), source.getString("url"));
        assertNull(source.getString("etag"), "no ETag of the old URL");
        assertEquals("pending", source.getString("status"));
        assertTrue(dueNow(id), "due again at once");
        assertEquals(List.of(), Sources.activeValues("moved"), "nothing of the old URL's list was applied");

        JsonPath next = Sources.run(id);
        assertEquals("success", next.getString("status"));
        assertEquals(List.of("198.18.40.9/32"), Sources.activeValues("moved"));
        assertNull(UPSTREAM.requests("/moved-new").get(0).headers().getFirst("If-None-Match"),
                "the new URL is not sent the old one's ETag");
    }

    @Test
    void aSettingsChangeCommittedWhileTheApplyRunsRollsTheApplyBack() throws Exception {
        UPSTREAM.list("/late-change", LIST);
        long id = Sources.create("late-change", UPSTREAM.url("/late-change"), "plain", "\"jail\":\"before\"");
        long runId;
        try (Connection put = TestSupport.jdbc()) {
            // a PUT that has taken the row lock and not yet committed when the run reads the settings
            put.setAutoCommit(false);
            put.createStatement().execute("UPDATE sources SET jail = 'after', settings_version = settings_version + 1"
                    + " WHERE id = " + id);
            runId = Sources.startRun(id);
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() ->
                    TestSupport.count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'banlist'"
                            + " AND wait_event_type = 'Lock' AND query LIKE '%UPDATE sources SET status = ''ok''%'") == 1);
            put.commit();
        }
        JsonPath run = Sources.awaitRun(id, runId);
        assertEquals("superseded", run.getString("status"));
        assertEquals(List.of(), Sources.activeValues("late-change"), "the apply rolled back whole");
        assertTrue(dueNow(id));

        assertEquals("success", Sources.run(id).getString("status"));
        assertEquals(3, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'list:late-change'"
                + " AND ended_at IS NULL AND jail = 'after'"));
    }

    @Test
    void aChangedJailAndBanDurationApplyOnTheNextRunWithAnUnchangedBody() throws Exception {
        UPSTREAM.list("/resettle", LIST);
        long id = Sources.create("resettle", UPSTREAM.url("/resettle"), "plain",
                "\"jail\":\"old-jail\",\"ban_duration\":\"1h\"");
        assertEquals("success", Sources.run(id).getString("status"));
        UPSTREAM.list("/resettle", "198.18.40.1\n198.18.40.2\n");
        assertEquals(1, Sources.run(id).getInt("removed"));
        assertEquals(3, Sources.activeCount("resettle"), "the dropped entry is in its grace period");
        assertEquals("not_modified", Sources.run(id).getString("status"));

        put(id, "{\"name\":\"resettle\",\"url\":\"" + UPSTREAM.url("/resettle") + "\",\"enabled\":false,"
                + "\"jail\":\"new-jail\",\"ban_duration\":\"until_removed\"}");
        JsonPath run = Sources.run(id);
        assertEquals("success", run.getString("status"), "applied although the body is unchanged");
        assertEquals(List.of("198.18.40.1/32", "198.18.40.2/32"), Sources.activeValues("resettle"),
                "the grace period ended with ban_duration until_removed");
        assertEquals(2, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'list:resettle'"
                + " AND ended_at IS NULL AND jail = 'new-jail'"));

        assertEquals("not_modified", Sources.run(id).getString("status"), "applied once, then validators again");
    }

    @Test
    void aStaleRunDoesNotPutAReEnabledGoneSourceBackToGone() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        UPSTREAM.handler("/revived", exchange -> {
            int call = calls.incrementAndGet();
            if (call == 3) {
                asked.countDown();
                await(release);
            }
            if (call <= 3) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, LIST.length);
                exchange.getResponseBody().write(LIST);
            }
        });
        long id = Sources.create("revived", UPSTREAM.url("/revived"), "plain");
        Sources.run(id);
        Sources.run(id);
        assertEquals("gone", Sources.source(id).getString("status"));

        long runId = Sources.startRun(id);
        assertTrue(asked.await(60, TimeUnit.SECONDS));
        put(id, "{\"name\":\"revived\",\"url\":\"" + UPSTREAM.url("/revived") + "\",\"enabled\":true}");
        release.countDown();

        JsonPath run = Sources.awaitRun(id, runId);
        assertEquals("superseded", run.getString("status"));
        assertEquals("UPSTREAM_GONE", run.getString("error_code"), "the run's own outcome stays on record");
        assertNotEquals("gone", Sources.source(id).getString("status"));
        // re-enabled and due: the scheduler runs it with its new settings
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> "ok".equals(Sources.source(id).getString("status")));
        assertEquals(3, Sources.activeCount("revived"));
    }
}
