package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;
import dev.banlist.support.Upstream;

/** Broken upstreams, for real: error statuses, silence, cut-off bodies, refused connections, garbage. */
@QuarkusTest
class UpstreamFailureTest {

    static final Upstream UPSTREAM = new Upstream();
    static final byte[] FEODO = Upstream.resource("feodo.ipset");

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    private static long imported(String name, String path) {
        UPSTREAM.plain(path, FEODO);
        long id = Sources.create(name, UPSTREAM.url(path), "plain");
        assertEquals("success", Sources.run(id).getString("status"));
        return id;
    }

    @Test
    void aConfirmedNotFoundMakesTheSourceGoneWithItsEntriesKept() throws Exception {
        long id = imported("gone-404", "/gone");
        UPSTREAM.status("/gone", 404);
        JsonPath first = Sources.run(id);
        assertEquals("failed", first.getString("status"));
        assertEquals("UPSTREAM_GONE", first.getString("error_code"));
        assertEquals(404, first.getInt("http_status"));
        assertEquals("degraded", Sources.source(id).getString("status"), "one 404 may be a blip");
        Sources.run(id);
        JsonPath source = Sources.source(id);
        assertEquals("gone", source.getString("status"));
        assertEquals(235, source.getInt("entries"));
        assertEquals(235, Sources.activeCount("gone-404"), "an upstream that vanished must not unban the world");
        awaitSourceUp("gone-404", 0.0);

        // a gone source is no longer scheduled, even when enabled and due
        TestSupport.count("WITH u AS (UPDATE sources SET enabled = true, next_run_at = now() - interval '1 hour'"
                + " WHERE id = " + id + " RETURNING 1) SELECT count(*) FROM u");
        int requests = UPSTREAM.requests("/gone").size();
        Thread.sleep(2500); // two scheduler ticks
        assertEquals(requests, UPSTREAM.requests("/gone").size());

        // re-enabled by an operator, it starts over and recovers
        UPSTREAM.plain("/gone", FEODO);
        JsonPath put = admin().contentType("application/json").body("{\"name\":\"gone-404\",\"url\":\""
                + UPSTREAM.url("/gone") + "\",\"format\":\"plain\",\"interval\":\"1h\",\"enabled\":true}")
                .put("/api/v1/sources/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals("pending", put.getString("status"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> "ok".equals(Sources.source(id).getString("status")));
        awaitSourceUp("gone-404", 1.0);
    }

    @Test
    void gone410CountsLike404() {
        long id = imported("gone-410", "/gone410");
        UPSTREAM.status("/gone410", 410);
        Sources.run(id);
        Sources.run(id);
        assertEquals("gone", Sources.source(id).getString("status"));
    }

    @Test
    void aServerErrorDegradesAndSuccessRecovers() throws Exception {
        long id = imported("flaky", "/flaky");
        UPSTREAM.status("/flaky", 500);
        JsonPath run = Sources.run(id);
        assertEquals("UPSTREAM_HTTP_ERROR", run.getString("error_code"));
        assertEquals(500, run.getInt("http_status"));
        assertEquals("degraded", Sources.source(id).getString("status"));
        assertEquals(235, Sources.activeCount("flaky"));
        awaitSourceUp("flaky", 0.0);
        assertTrue(metric("banlist_import_runs_total", "source=\"flaky\"", "status=\"failed\"") >= 1);

        UPSTREAM.plain("/flaky", FEODO);
        assertEquals("unchanged", Sources.run(id).getString("status"));
        assertEquals("ok", Sources.source(id).getString("status"));
        awaitSourceUp("flaky", 1.0);
        assertTrue(metric("banlist_source_last_success_timestamp_seconds", "source=\"flaky\"") > 0);
    }

    @Test
    void tooManyRequestsHonoursRetryAfter() {
        long id = imported("limited", "/limited");
        UPSTREAM.status("/limited", 429, "Retry-After", "600");
        JsonPath run = Sources.run(id);
        assertEquals("UPSTREAM_RATE_LIMITED", run.getString("error_code"));
        Instant next = Instant.parse(Sources.source(id).getString("next_run_at"));
        // the next run waits for Retry-After, longer than the backoff
        assertAbout(Duration.ofSeconds(600), Duration.between(Instant.parse(run.getString("finished_at")), next));
        assertEquals("degraded", Sources.source(id).getString("status"));
    }

    @Test
    void backoffGrowsExponentiallyUpToTheInterval() {
        UPSTREAM.status("/down", 503);
        long id = Sources.create("backoff", UPSTREAM.url("/down"), "plain", "\"interval\":\"1m\"");
        long[] expected = { 1, 2, 4, 8, 16, 32, 60, 60 }; // retry-backoff is 1s in tests
        for (long seconds : expected) {
            // next_run_at is written right after finished_at, in the same transaction
            JsonPath run = Sources.run(id);
            Instant next = Instant.parse(Sources.source(id).getString("next_run_at"));
            assertAbout(Duration.ofSeconds(seconds), Duration.between(Instant.parse(run.getString("finished_at")), next));
        }
    }

    @Test
    void silenceTruncationRefusalAndBadNamesAreDegradedNotFatal() throws Exception {
        long id = imported("broken", "/broken");
        byte[] body = FEODO;
        UPSTREAM.stalling("/broken", body, 100, 5000); // read timeout is 2s in tests
        assertEquals("UPSTREAM_TIMEOUT", Sources.run(id).getString("error_code"));
        UPSTREAM.truncated("/broken", body, body.length / 2);
        assertEquals("UPSTREAM_TRUNCATED", Sources.run(id).getString("error_code"));
        assertEquals(235, Sources.activeCount("broken"), "a cut-off list applies nothing");

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        long refused = Sources.create("refused", "http://127.0.0.1:" + closedPort + "/x", "plain");
        assertEquals("UPSTREAM_UNREACHABLE", Sources.run(refused).getString("error_code"));
        // https to a server that answers in plain text: the handshake fails
        try (ServerSocket plainText = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                while (!plainText.isClosed()) {
                    try (var socket = plainText.accept()) {
                        socket.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        socket.getOutputStream().flush();
                        Thread.sleep(200);
                    } catch (Exception e) {
                        // closed
                    }
                }
            });
            server.setDaemon(true);
            server.start();
            long tls = Sources.create("tls-broken", "https://127.0.0.1:" + plainText.getLocalPort() + "/x", "plain");
            assertEquals("TLS_FAILURE", Sources.run(tls).getString("error_code"));
        }
        long unknown = Sources.create("no-such-host", "http://no-such-host.invalid/list", "plain");
        assertEquals("DNS_FAILURE", Sources.run(unknown).getString("error_code"));
        assertEquals("degraded", Sources.source(unknown).getString("status"));
    }

    @Test
    void garbageFailsTheRunAndAppliesNothing() throws Exception {
        long id = imported("garbage", "/garbage");
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            list.append("203.0.113.").append(i).append('\n');
        }
        for (int i = 0; i < 10; i++) {
            list.append("<html>error page line ").append(i).append("</html>\n");
        }
        UPSTREAM.plain("/garbage", list.toString().getBytes(StandardCharsets.US_ASCII));
        JsonPath run = Sources.run(id);
        assertEquals("failed", run.getString("status"));
        assertEquals("PARSE_ERROR_RATE", run.getString("error_code"));
        assertEquals(10, run.getInt("invalid_lines"));
        assertEquals(10, run.getList("invalid_samples").size());
        assertEquals(51, run.getLong("invalid_samples[0].line"));
        assertEquals(235, Sources.activeCount("garbage"));
        assertTrue(Sources.activeValues("garbage").stream().noneMatch(v -> v.startsWith("203.0.113.")));

        // below the ratio the valid lines are applied and the invalid ones reported
        list.setLength(0);
        for (int i = 0; i < 95; i++) {
            list.append("203.0.113.").append(i).append('\n');
        }
        list.append("garbage\n".repeat(5));
        UPSTREAM.plain("/garbage", list.toString().getBytes(StandardCharsets.US_ASCII));
        JsonPath ok = Sources.run(id);
        assertEquals("success", ok.getString("status"));
        assertEquals(5, ok.getInt("invalid_lines"));
        assertEquals(95, Sources.activeCount("garbage"));
    }

    @Test
    void moreThanMaxEntriesFailsAndAnEmptyAnswerKeepsTheEntries() throws Exception {
        long id = imported("capped", "/capped");
        admin().contentType("application/json").body("{\"name\":\"capped\",\"url\":\"" + UPSTREAM.url("/capped")
                + "\",\"format\":\"plain\",\"enabled\":false,\"max_entries\":100}")
                .put("/api/v1/sources/" + id).then().statusCode(200);
        UPSTREAM.plain("/capped", Upstream.resource("spamhaus_drop.netset"));
        JsonPath run = Sources.run(id);
        assertEquals("TOO_MANY_ENTRIES", run.getString("error_code"));
        assertEquals(235, Sources.activeCount("capped"));

        UPSTREAM.plain("/capped", "# nothing today\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("EMPTY_LIST", Sources.run(id).getString("error_code"));
        assertEquals(235, Sources.activeCount("capped"));
    }

    @Test
    void runsAreListedNewestFirstAndPaginated() {
        long id = imported("paged", "/paged");
        Sources.run(id);
        Sources.run(id);
        JsonPath page = admin().get("/api/v1/sources/" + id + "/runs?limit=2").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(2, page.getList("runs").size());
        assertTrue(page.getLong("runs[0].id") > page.getLong("runs[1].id"));
        assertEquals("manual", page.getString("runs[0].trigger"));
        assertNotNull(page.getString("runs[0].instance"));
        assertNotNull(page.getString("runs[0].started_at"));
        assertNotNull(page.getString("runs[0].finished_at"));
        String cursor = page.getString("next_cursor");
        JsonPath rest = admin().get("/api/v1/sources/" + id + "/runs?limit=2&cursor=" + cursor).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(1, rest.getList("runs").size());
        assertEquals("success", rest.getString("runs[0].status"));
        admin().get("/api/v1/sources/" + id + "/runs?cursor=bogus").then().statusCode(400);
    }

    /** The gauge is read from the database on every replica's scheduler tick (every second in tests). */
    private static void awaitSourceUp(String source, double expected) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> metric("banlist_source_up", "source=\"" + source + "\"") == expected);
    }

    private static void assertAbout(Duration expected, Duration actual) {
        assertTrue(actual.minus(expected).abs().toMillis() < 500, "expected about " + expected + ", got " + actual);
    }
}
