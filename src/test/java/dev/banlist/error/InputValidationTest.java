package dev.banlist.error;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import dev.banlist.support.LogCapture;
import dev.banlist.support.RawHttp;
import dev.banlist.support.TestSupport;

/**
 * What the generated-input test found, pinned one by one: each bad value is a 400 naming its field or parameter,
 * before it reaches PostgreSQL or a backtracking regular expression, and none is logged as an error.
 */
@QuarkusTest
class InputValidationTest {

    @TestHTTPResource("/")
    URL url;

    private static Response postDecision(String json) {
        return admin().contentType("application/json").body(json).post("/api/v1/decisions");
    }

    private static void assertInvalid(Response r, String field) {
        r.then().statusCode(400).body("error_code", equalTo("VALIDATION_FAILED"))
                .body("details.fields[0].field", equalTo(field));
    }

    @Test
    void aLongDurationIsRefusedWithoutOverflowingTheStack() {
        assertInvalid(postDecision("{\"value\":\"198.18.223.1\",\"duration\":\"" + "1h".repeat(5000) + "\"}"), "duration");
        assertInvalid(postDecision("[{\"value\":\"198.18.223.1\"},{\"value\":\"198.18.223.2\",\"duration\":\""
                + "999999999w".repeat(6) + "\"}]"), "[1].duration");
        assertInvalid(postDecision("{\"value\":\"198.18.223.1\",\"duration\":\"PT99999999999999999999H\"}"), "duration");
        assertInvalid(admin().contentType("application/json").body("{\"name\":\"long-interval\",\"url\":\"http://127.0.0.1:9/\","
                + "\"enabled\":false,\"interval\":\"" + "1h".repeat(5000) + "\"}").post("/api/v1/sources"), "interval");
        assertInvalid(admin().contentType("application/json").body("{\"name\":\"long-ban\",\"url\":\"http://127.0.0.1:9/\","
                + "\"enabled\":false,\"ban_duration\":\"" + "999999999w".repeat(6) + "\"}").post("/api/v1/sources"), "ban_duration");
    }

    @Test
    void nulCharactersAndUnpairedSurrogatesAreRefusedAtTheEdge() throws Exception {
        try (LogCapture log = LogCapture.open()) {
            assertInvalid(postDecision("{\"value\":\"198.18.223.1\",\"reason\":\"a\\u0000b\"}"), "reason");
            assertInvalid(postDecision("{\"value\":\"198.18.223.1\",\"reason\":\"half \\ud800 a pair\"}"), "reason");
            assertInvalid(postDecision("{\"value\":\"198.18.223.1\",\"jail\":\"ssh\\u0000d\"}"), "jail");
            assertInvalid(postDecision("{\"value\":\"198.18.223.1\",\"origin\":\"x\\u0000\"}"), "origin");
            assertInvalid(postDecision("{\"value\":\"198.18.223.1\\u0000\"}"), "value");
            String source = "{\"name\":\"nul-labels\",\"url\":\"http://127.0.0.1:9/\",\"enabled\":false,\"labels\":";
            assertInvalid(admin().contentType("application/json").body(source + "{\"team\":\"o\\u0000ps\"}}")
                    .post("/api/v1/sources"), "labels.team");
            assertInvalid(admin().contentType("application/json").body(source + "{\"te\\u0000am\":\"ops\"}}")
                    .post("/api/v1/sources"), "labels.te\u0000am");
            assertInvalid(admin().contentType("application/json").body("{\"name\":\"nul-jail\",\"url\":\"http://127.0.0.1:9/\","
                    + "\"enabled\":false,\"jail\":\"\\u0000\"}").post("/api/v1/sources"), "jail");
            long id = ((Number) admin().contentType("application/json").body(source + "{}}").post("/api/v1/sources")
                    .then().statusCode(201).extract().path("id")).longValue();
            try {
                assertInvalid(admin().contentType("application/json").body("{\"team\":\"\\u0000\"}")
                        .patch("/api/v1/sources/" + id + "/labels"), "team");
                assertInvalid(admin().contentType("application/json").body("{\"\\u0000\":null}")
                        .patch("/api/v1/sources/" + id + "/labels"), "\u0000");
            } finally {
                admin().delete("/api/v1/sources/" + id).then().statusCode(200);
            }
            // query parameters that reach SQL
            assertInvalid(admin().queryParam("origin", "a\u0000b").get("/api/v1/decisions"), "origin");
            assertInvalid(admin().queryParam("jail", "\u0000").get("/api/v1/decisions"), "jail");
            assertInvalid(admin().queryParam("value", "198.18.223.1").queryParam("origin", "\u0000")
                    .delete("/api/v1/decisions"), "origin");
            assertEquals(0, TestSupport.count("SELECT count(*) FROM decisions WHERE value <<= '198.18.223.0/24'"));
            assertEquals(List.of(), log.lines().stream()
                    .filter(l -> l.level().equals("ERROR") || !l.thrown().isEmpty()).toList());
        }
    }

    @Test
    void forgedCursorsAreRefusedNamingTheParameter() {
        String max = "18446744073709551615";
        String over = "18446744073709551616";
        for (String forged : new String[] { "c1|0:0:", "c1|5:3:", "c1|3:5:9", "c1|3:5:4,3", "c1|3:5:2",
                "c1|" + over + ":" + over + ":", "c1|3:5:|3:5:|" + over + "|1", "c1|3:5:|3:5:|4|" + over,
                "c1|3:5:|0:0:|4|1", "c1|3:5:" + ",4".repeat(1001), "c1|3:5:\u0000" }) {
            assertInvalid(admin().queryParam("since", b64(forged)).get("/api/v1/stream"), "since");
        }
        // well-formed, whatever its age: not a validation error
        admin().queryParam("since", b64("c1|" + max + ":" + max + ":")).get("/api/v1/stream").then().statusCode(200);
        for (String forged : new String[] { "d1:99999999999999999999", "d1:abc", "r1:5", "d1:" }) {
            assertInvalid(admin().queryParam("cursor", b64(forged)).get("/api/v1/decisions"), "cursor");
        }
        assertInvalid(admin().queryParam("cursor", b64("r1:99999999999999999999")).get("/api/v1/sources/1/runs"), "cursor");
    }

    @Test
    void malformedParametersAreRefusedNamingTheParameter() {
        String cursor = admin().get("/api/v1/stream").then().statusCode(200).extract().path("cursor");
        for (String wait : new String[] { "1h".repeat(100), "9999999", "1.5s", "-1", "\u0000", "61m" }) {
            assertInvalid(admin().queryParam("since", cursor).queryParam("wait", wait).get("/api/v1/stream"), "wait");
        }
        for (String limit : new String[] { "99999999999999999999", "0", "1e3", "\u0665", "+5", "5 " }) {
            assertInvalid(admin().queryParam("limit", limit).get("/api/v1/decisions"), "limit");
            assertInvalid(admin().queryParam("since", cursor).queryParam("limit", limit).get("/api/v1/stream"), "limit");
        }
        assertInvalid(admin().get("/api/v1/decisions/99999999999999999999"), "id");
        assertInvalid(admin().get("/api/v1/decisions/\u0665"), "id");
        assertInvalid(admin().get("/api/v1/decisions/+5"), "id");
    }

    @Test
    void malformedPercentEncodingAndInvalidUtf8AreClientErrors() throws Exception {
        RawHttp http = new RawHttp(url);
        Map<String, byte[]> key = Map.of("X-Api-Key", TestSupport.ADMIN_KEY.getBytes(StandardCharsets.US_ASCII));
        // An escape that is no escape: the HTTP server refuses the request line itself (400, connection closed).
        for (String target : new String[] { "/api/v1/check?ip=%", "/api/v1/check?ip=%G1", "/api/v1/decisions?origin=%",
                "/api/v1/stream?since=%1" }) {
            assertEquals(400, http.send("GET", target.getBytes(StandardCharsets.US_ASCII), key, null).status(), target);
        }
        // Escapes of bytes that are no UTF-8 are read as U+FFFD, which no parameter accepts where it matters.
        for (String target : new String[] { "/api/v1/check?ip=%ff", "/api/v1/check?ip=%c0%80", "/v1/decisions?ip=%ff",
                "/api/v1/stream?since=%ed%a0%80", "/api/v1/decisions?limit=%ff", "/api/v1/check?ip=1.2.3.4%00" }) {
            RawHttp.Answer a = http.send("GET", target.getBytes(StandardCharsets.US_ASCII), key, null);
            assertEquals(400, a.status(), target + ": " + a.text());
            assertTrue(a.text().contains("\"error_code\":\"VALIDATION_FAILED\""), target + ": " + a.headers() + a.text());
        }
        Map<String, byte[]> json = Map.of("X-Api-Key", TestSupport.ADMIN_KEY.getBytes(StandardCharsets.US_ASCII),
                "Content-Type", "application/json".getBytes(StandardCharsets.US_ASCII));
        byte[] invalid = "{\"value\":\"198.18.223.1\",\"reason\":\"\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
        RawHttp.Answer a = http.send("POST", "/api/v1/decisions".getBytes(StandardCharsets.US_ASCII), json, invalid);
        assertEquals(400, a.status(), a.text());
        assertTrue(a.text().contains("MALFORMED_JSON"), a.text());
        // a surrogate encoded in UTF-8 (CESU) is read as half a pair, and refused as such
        byte[] cesu = "{\"value\":\"198.18.223.1\",\"reason\":\"\u00ed\u00a0\u0080\"}".getBytes(StandardCharsets.ISO_8859_1);
        RawHttp.Answer b = http.send("POST", "/api/v1/decisions".getBytes(StandardCharsets.US_ASCII), json, cesu);
        assertEquals(400, b.status(), b.text());
    }

    @Test
    void ipv6DecisionsThroughTheEmbeddingsOfProtectedIpv4RangesAreRefused() throws Exception {
        for (String value : new String[] { "::8000:0:0/81", "::fffe:0:0/95", "64:ff9b::a01:203", "64:ff9b::/96",
                "2002:a01:203::1", "2002:c0a8::/32", "2002::/16" }) {
            postDecision("{\"value\":\"" + value + "\",\"origin\":\"prot6\"}").then().statusCode(409)
                    .body("error_code", equalTo("PROTECTED_RANGE")).body("message", containsString(" image "));
        }
        assertEquals(0, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'prot6'"));
        // the NAT64 and 6to4 images of a public address are no protected range
        for (String value : new String[] { "64:ff9b::c612:df01", "2002:c612:df01::/48" }) {
            long id = ((Number) postDecision("{\"value\":\"" + value + "\",\"origin\":\"prot6\"}").then().statusCode(201)
                    .extract().path("id")).longValue();
            admin().delete("/api/v1/decisions/" + id).then().statusCode(200);
        }
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
