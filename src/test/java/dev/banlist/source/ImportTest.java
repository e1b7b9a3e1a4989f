package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;
import dev.banlist.support.Upstream;

/** Imports real public lists served by a real HTTP server on loopback into the real database. */
@QuarkusTest
class ImportTest {

    static final Upstream UPSTREAM = new Upstream();

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    @Test
    void fireholLevel1IsImportedWithoutItsProtectedRanges() throws Exception {
        UPSTREAM.list("/firehol_level1.netset", Upstream.resource("firehol_level1.netset"));
        long id = Sources.create("firehol-level1", UPSTREAM.url("/firehol_level1.netset"), "plain");
        JsonPath run = Sources.run(id);
        assertEquals("success", run.getString("status"), run.prettify());
        assertEquals(6273 - 8, run.getInt("entries"));
        assertEquals(6273 - 8, run.getInt("added"));
        assertEquals(8, run.getInt("protected"));
        assertEquals(0, run.getInt("invalid_lines"));
        assertEquals(96887, run.getLong("bytes"));
        assertEquals(200, run.getInt("http_status"));
        List<String> active = Sources.activeValues("firehol-level1");
        assertEquals(6273 - 8, active.size());
        for (String network : List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3")) {
            assertFalse(active.contains(network), network + " must not be banned");
        }
        assertTrue(active.contains("1.4.0.0/17"));
        assertTrue(active.contains("1.93.0.224/32"));
        JsonPath source = Sources.source(id);
        assertEquals("ok", source.getString("status"));
        assertEquals(6273 - 8, source.getInt("entries"));
        assertEquals(run.getLong("id"), source.getLong("last_run.id"));
        // the list's decisions reach the check (the in-memory index) with the list's origin, within moments
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> admin().get("/api/v1/check?ip=1.4.1.1").jsonPath().getBoolean("banned"));
        admin().get("/api/v1/check?ip=1.4.1.1").then().statusCode(200).body("banned", equalTo(true))
                .body("decisions.origin", org.hamcrest.Matchers.hasItem("list:firehol-level1"));
        admin().get("/api/v1/check?ip=10.1.2.3").then().body("banned", equalTo(false));
    }

    @Test
    void spamhausFormatsAreRead() throws Exception {
        UPSTREAM.list("/drop.txt", Upstream.resource("spamhaus-drop.txt"));
        UPSTREAM.list("/dropv6.txt", Upstream.resource("spamhaus-dropv6.txt"));
        UPSTREAM.list("/spamhaus_drop.netset", Upstream.resource("spamhaus_drop.netset"));
        UPSTREAM.list("/feodo.ipset", Upstream.resource("feodo.ipset"));
        assertEquals(794, Sources.run(Sources.create("sh-drop", UPSTREAM.url("/drop.txt"), "spamhaus")).getInt("entries"));
        assertEquals(56, Sources.run(Sources.create("sh-dropv6", UPSTREAM.url("/dropv6.txt"), "spamhaus")).getInt("entries"));
        assertEquals(683, Sources.run(Sources.create("sh-netset", UPSTREAM.url("/spamhaus_drop.netset"), "plain")).getInt("entries"));
        assertEquals(235, Sources.run(Sources.create("feodo", UPSTREAM.url("/feodo.ipset"), "plain")).getInt("entries"));
        assertTrue(Sources.activeValues("sh-dropv6").contains("2a0b:eb80::/29"));
        assertEquals(794, Sources.activeCount("sh-drop"));
        // overlapping blocks (46.29.248.0/22 inside 46.29.248.0/21) are both kept: they are distinct entries
        assertTrue(Sources.activeValues("sh-drop").containsAll(List.of("46.29.248.0/22", "46.29.248.0/21")));
    }

    @Test
    void spamhausJsonLinesAreRead() throws Exception {
        String body = """
                {"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}
                {"cidr":"2a0b:eb80::/29","sblid":"SBL405297","rir":"ripencc"}
                {"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}
                {"type":"metadata","timestamp":1700000000,"size":3,"records":3,"copyright":"(c) Spamhaus"}
                """;
        UPSTREAM.list("/drop.json", body);
        JsonPath run = Sources.run(Sources.create("sh-json", UPSTREAM.url("/drop.json"), "spamhaus-json"));
        assertEquals("success", run.getString("status"), run.prettify());
        assertEquals(2, run.getInt("entries"));
        assertEquals(0, run.getInt("invalid_lines"));
        assertEquals(List.of("1.10.16.0/20", "2a0b:eb80::/29"), Sources.activeValues("sh-json"));
    }

    @Test
    void aChangedListChangesOnlyTheDifference() throws Exception {
        UPSTREAM.plain("/diff", "203.0.113.1\n203.0.113.2\n198.51.100.0/24\n".getBytes(StandardCharsets.US_ASCII));
        long id = Sources.create("diff", UPSTREAM.url("/diff"), "plain");
        assertEquals(3, Sources.run(id).getInt("added"));
        List<Long> before = ids("diff");
        UPSTREAM.plain("/diff", "203.0.113.2\n198.51.100.0/24\n203.0.113.3\n".getBytes(StandardCharsets.US_ASCII));
        JsonPath run = Sources.run(id);
        assertEquals("success", run.getString("status"));
        assertEquals(1, run.getInt("added"));
        assertEquals(1, run.getInt("removed"));
        assertEquals(List.of("198.51.100.0/24", "203.0.113.2/32", "203.0.113.3/32"), Sources.activeValues("diff"));
        List<Long> after = ids("diff");
        // the two kept entries are the same rows as before: nothing rewritten
        assertEquals(2, after.stream().filter(before::contains).count());
        assertEquals(1, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'list:diff'"
                + " AND value = '203.0.113.1' AND end_reason = 'removed_from_list'"));
    }

    @Test
    void duplicatesInsideOneListAreAppliedOnce() throws Exception {
        UPSTREAM.plain("/dups", "203.0.113.7\n203.0.113.7\n::ffff:203.0.113.7\n203.0.113.7/32 # again\n"
                .getBytes(StandardCharsets.US_ASCII));
        JsonPath run = Sources.run(Sources.create("dups", UPSTREAM.url("/dups"), "plain"));
        assertEquals(1, run.getInt("entries"));
        assertEquals(1, Sources.activeCount("dups"));
    }

    @Test
    void aNotModifiedAnswerAndAnUnchangedBodyWriteNothing() throws Exception {
        byte[] feodo = Upstream.resource("feodo.ipset");
        UPSTREAM.list("/cond", feodo);
        long id = Sources.create("cond", UPSTREAM.url("/cond"), "plain");
        assertEquals("success", Sources.run(id).getString("status"));
        String written = Sources.lastDecisionWrite("cond");

        JsonPath second = Sources.run(id);
        assertEquals("not_modified", second.getString("status"));
        assertEquals(304, second.getInt("http_status"));
        var request = UPSTREAM.requests("/cond").get(UPSTREAM.requests("/cond").size() - 1);
        assertEquals("\"" + Upstream.sha256(feodo) + "\"", request.headers().getFirst("If-None-Match"));
        assertTrue(request.headers().getFirst("User-Agent").startsWith("banlist/"), request.headers().getFirst("User-Agent"));

        // same bytes from a server without validators: downloaded, hashed, found unchanged
        UPSTREAM.plain("/cond", feodo);
        JsonPath third = Sources.run(id);
        assertEquals("unchanged", third.getString("status"));
        assertEquals(written, Sources.lastDecisionWrite("cond"));
        assertEquals("ok", Sources.source(id).getString("status"));
    }

    @Test
    void gzipIsAccepted() throws Exception {
        UPSTREAM.gzip("/gz", Upstream.resource("spamhaus_drop.netset"));
        JsonPath run = Sources.run(Sources.create("gz", UPSTREAM.url("/gz"), "plain"));
        assertEquals("success", run.getString("status"), run.prettify());
        assertEquals(683, run.getInt("entries"));
        assertEquals("gzip", UPSTREAM.requests("/gz").get(0).headers().getFirst("Accept-Encoding").contains("gzip") ? "gzip" : "");
    }

    @Test
    void redirectsAreFollowedWithinTheLimit() throws Exception {
        UPSTREAM.list("/target", "203.0.113.9\n");
        UPSTREAM.redirect("/hop1", "/hop2");
        UPSTREAM.redirect("/hop2", UPSTREAM.url("/target"));
        assertEquals("success", Sources.run(Sources.create("redir", UPSTREAM.url("/hop1"), "plain")).getString("status"));
        UPSTREAM.redirect("/loop", "/loop");
        JsonPath loop = Sources.run(Sources.create("loop", UPSTREAM.url("/loop"), "plain"));
        assertEquals("failed", loop.getString("status"));
        assertEquals("TOO_MANY_REDIRECTS", loop.getString("error_code"));
    }

    private static List<Long> ids(String name) throws Exception {
        List<Long> ids = new java.util.ArrayList<>();
        try (var c = TestSupport.jdbc(); var s = c.createStatement(); var rs = s.executeQuery(
                "SELECT id FROM decisions WHERE origin = 'list:" + name + "' AND ended_at IS NULL ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }
}
