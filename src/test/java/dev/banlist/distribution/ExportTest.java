package dev.banlist.distribution;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/**
 * Exports through the API, against known inputs. Each test reads only its own part of the address space with a
 * distinct origin-free filter: the lines of other tests' bans are ignored by looking at a known set of networks.
 */
@QuarkusTest
class ExportTest {

    private static final List<String> INPUT = List.of(
            "198.18.200.0/25", "198.18.200.128/25",    // adjacent halves: one /24
            "198.18.200.77",                           // inside it: gone
            "198.18.201.4/31", "198.18.201.6/31",      // adjacent: one /30
            "198.18.201.9",                            // alone
            "2001:db8:e7::/49", "2001:db8:e7:8000::/49", // IPv6 halves: one /48
            "2001:db8:e7::1");                         // inside it

    private static List<String> ours(String body) {
        return body.lines().filter(line -> line.startsWith("198.18.200.") || line.startsWith("198.18.201.")
                || line.startsWith("2001:db8:e7")).toList();
    }

    private static void banAll() {
        StringBuilder body = new StringBuilder("[");
        for (String value : INPUT) {
            body.append(body.length() > 1 ? "," : "").append("{\"value\":\"").append(value).append("\",\"duration\":\"1h\"}");
        }
        admin().contentType("application/json").body(body.append("]").toString()).post("/api/v1/decisions")
                .then().statusCode(201);
    }

    @Test
    void aggregationMergesOverlappingAndAdjacentNetworksOfBothFamilies() {
        banAll();
        String plain = admin().get("/api/v1/export?format=plain&aggregate=true").then().statusCode(200)
                .header("Content-Type", startsWith("text/plain")).extract().asString();
        assertEquals(List.of("198.18.200.0/24", "198.18.201.4/30", "198.18.201.9", "2001:db8:e7::/48"), ours(plain));

        String raw = admin().get("/api/v1/export?format=plain").then().statusCode(200).extract().asString();
        assertEquals(List.of("198.18.200.0/25", "198.18.200.77", "198.18.200.128/25", "198.18.201.4/31",
                "198.18.201.6/31", "198.18.201.9", "2001:db8:e7::/49", "2001:db8:e7::1", "2001:db8:e7:8000::/49"), ours(raw));

        String v6 = admin().get("/api/v1/export?format=plain&aggregate=true&family=ipv6").then().statusCode(200).extract().asString();
        assertTrue(v6.lines().noneMatch(line -> line.contains(".")), v6);
        assertTrue(v6.lines().anyMatch(line -> line.equals("2001:db8:e7::/48")));
    }

    @Test
    void formatsAreWhatTheirToolsRead() {
        banAll();
        String nginx = admin().get("/api/v1/export?format=nginx&aggregate=true").then().statusCode(200).extract().asString();
        assertTrue(nginx.lines().anyMatch(line -> line.equals("deny 198.18.200.0/24;")), nginx);
        String ipset = admin().get("/api/v1/export?format=ipset&aggregate=true&name=fw").then().statusCode(200).extract().asString();
        assertTrue(ipset.startsWith("create fw-v4 hash:net family inet hashsize 1024 maxelem "), ipset);
        assertTrue(ipset.lines().anyMatch(line -> line.equals("add fw-v4 198.18.200.0/24 -exist")), ipset);
        assertTrue(ipset.lines().anyMatch(line -> line.equals("add fw-v6 2001:db8:e7::/48 -exist")), ipset);
        String nft = admin().get("/api/v1/export?format=nftables&aggregate=true&name=fw").then().statusCode(200).extract().asString();
        assertTrue(nft.startsWith("add table inet fw\n"), nft);
        assertTrue(nft.contains("198.18.200.0/24"), nft);
        List<String> json = admin().get("/api/v1/export?format=json&aggregate=true").then().statusCode(200)
                .header("Content-Type", startsWith("application/json")).extract().jsonPath().getList("$", String.class);
        assertTrue(json.contains("2001:db8:e7::/48"), json.toString());
        admin().get("/api/v1/export?format=pf").then().statusCode(400).body("error_code", equalTo("VALIDATION_FAILED"));
        admin().get("/api/v1/export?family=ipv5").then().statusCode(400);
        admin().get("/api/v1/export?name=bad-name!").then().statusCode(400);
    }

    @Test
    void anUnchangedListIs304AndAChangeMovesTheETag() {
        banAll();
        String enforcer = TestSupport.newKey("export-enforcer", "enforcer");
        Response first = as(enforcer).get("/api/v1/export?format=plain&aggregate=true");
        first.then().statusCode(200);
        String etag = first.getHeader("ETag");
        assertTrue(etag != null && etag.startsWith("\""), etag);
        double notModifiedBefore = TestSupport.metric("banlist_export_requests_total", "format=\"plain\"", "result=\"304\"");
        as(enforcer).header("If-None-Match", etag).get("/api/v1/export?format=plain&aggregate=true")
                .then().statusCode(304).header("ETag", etag);
        assertEquals(notModifiedBefore + 1, TestSupport.metric("banlist_export_requests_total", "format=\"plain\"", "result=\"304\""));
        assertTrue(TestSupport.metric("banlist_export_bytes_total", "format=\"plain\"") > 0);

        admin().contentType("application/json").body("{\"value\":\"198.18.1.1\",\"duration\":\"1h\"}")
                .post("/api/v1/decisions").then().statusCode(201);
        Response changed = as(enforcer).header("If-None-Match", etag).get("/api/v1/export?format=plain&aggregate=true");
        changed.then().statusCode(200);
        assertNotEquals(etag, changed.getHeader("ETag"));
        assertNotEquals(etag, as(enforcer).get("/api/v1/export?format=nginx&aggregate=true").getHeader("ETag"),
                "another format is another representation");
    }

    /** With {@code throttle} decisions, which no other test makes, so that the exported set is exactly known. */
    @Test
    void aLimitKeepsTheLargestNetworksAndSaysItCut() {
        StringBuilder body = new StringBuilder("[");
        for (String value : INPUT) {
            body.append(body.length() > 1 ? "," : "").append("{\"value\":\"").append(value)
                    .append("\",\"type\":\"throttle\",\"duration\":\"1h\"}");
        }
        admin().contentType("application/json").body(body.append("]").toString()).post("/api/v1/decisions")
                .then().statusCode(201);
        Response all = admin().get("/api/v1/export?format=plain&aggregate=true&type=throttle");
        all.then().statusCode(200).header("X-Banlist-Truncated", "false");
        assertEquals("198.18.200.0/24\n198.18.201.4/30\n198.18.201.9\n2001:db8:e7::/48\n", all.asString(), "byte for byte");
        Response cut = admin().get("/api/v1/export?format=plain&aggregate=true&type=throttle&limit=2");
        cut.then().statusCode(200).header("X-Banlist-Truncated", "true").header("X-Banlist-Total", "4");
        assertEquals("198.18.200.0/24\n2001:db8:e7::/48\n", cut.asString());
    }

    /** 3,000 lines span several streamed chunks; the body must still be exactly one network per line. */
    @Test
    void aLargeExportIsExactAcrossChunks() {
        StringBuilder body = new StringBuilder("[");
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            String value = "198.19." + (i / 250) + "." + (i % 250 + 1);
            body.append(i == 0 ? "" : ",").append("{\"value\":\"").append(value)
                    .append("\",\"type\":\"captcha\",\"duration\":\"1h\"}");
            expected.append(value).append('\n');
        }
        admin().contentType("application/json").body(body.append("]").toString()).post("/api/v1/decisions")
                .then().statusCode(201);
        assertEquals(expected.toString(), admin().get("/api/v1/export?format=plain&type=captcha").asString());
        List<String> json = admin().get("/api/v1/export?format=json&type=captcha").jsonPath().getList("$", String.class);
        assertEquals(3000, json.size());
    }
}
