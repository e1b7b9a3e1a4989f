package dev.banlist.distribution.crowdsec;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/** The bouncer API byte for byte as CrowdSec's Local API answers it (see the recorded exchange in the README). */
@QuarkusTest
class CrowdSecApiTest {

    private static String enforcer;

    private static String enforcer() {
        if (enforcer == null) {
            enforcer = TestSupport.newKey("crowdsec-api-enforcer", "enforcer");
        }
        return enforcer;
    }

    private static void ban(String body) {
        admin().contentType("application/json").body(body).post("/api/v1/decisions").then().statusCode(201);
    }

    @Test
    void aLookupWithoutMatchesIsTheJsonNull() {
        String body = as(enforcer()).get("/v1/decisions?ip=192.0.2.250").then().statusCode(200)
                .header("Content-Type", startsWith("application/json")).extract().asString();
        assertEquals("null", body);
    }

    @Test
    void aLookupReturnsCoveringDecisionsInCrowdSecsShape() {
        ban("{\"value\":\"198.51.100.224/28\",\"duration\":\"4h\",\"reason\":\"ssh-bf\"}");
        ban("{\"value\":\"198.51.100.231\",\"duration\":\"1h\",\"jail\":\"sshd\"}");
        String body = as(enforcer()).get("/v1/decisions?ip=198.51.100.231").then().statusCode(200).extract().asString();
        assertTrue(body.matches("\\[\\{\"duration\":\"[0-9hms.]+\",\"id\":\\d+,\"origin\":\"bootstrap-admin\",\"scenario\":\"sshd\","
                + "\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"198.51.100.231\"},\\{\"duration\":\"[0-9hms.]+\",\"id\":\\d+,"
                + "\"origin\":\"bootstrap-admin\",\"scenario\":\"ssh-bf\",\"scope\":\"Range\",\"type\":\"ban\","
                + "\"value\":\"198.51.100.224/28\"}]"), body);
        JsonPath json = JsonPath.from(body);
        assertTrue(json.getString("[0].duration").matches("(59m|[0-9]+m)[0-9.]+s|1h0m0s"), json.getString("[0].duration"));
        assertTrue(json.getString("[1].duration").startsWith("3h59m"), json.getString("[1].duration"));

        as(enforcer()).get("/v1/decisions?ip=198.51.100.232&scope=range").then().statusCode(200)
                .body("value", equalTo(List.of("198.51.100.224/28")));
        as(enforcer()).get("/v1/decisions?range=198.51.100.224/28").then().statusCode(200).body("size()", equalTo(1));
        as(enforcer()).get("/v1/decisions?range=198.51.100.224/28&contains=false").then().statusCode(200).body("size()", equalTo(2));
        as(enforcer()).get("/v1/decisions?scope=ip&value=198.51.100.231").then().statusCode(200)
                .body("value", equalTo(List.of("198.51.100.231")));
        assertEquals("null", as(enforcer()).get("/v1/decisions?ip=198.51.100.231&scenarios_containing=nomatch").asString());
        as(enforcer()).head("/v1/decisions?ip=198.51.100.231").then().statusCode(200);
    }

    @Test
    void aMissingBadOrUnderprivilegedKeyIs403AccessForbidden() {
        String agent = TestSupport.newKey("crowdsec-api-agent-" + System.nanoTime(), "agent");
        for (var request : List.of(given(), as("not-a-key-at-all-0123456789"), as(agent))) {
            for (String path : List.of("/v1/decisions?ip=192.0.2.1", "/v1/decisions/stream?startup=true")) {
                String body = request.get(path).then().statusCode(403)
                        .header("Content-Type", startsWith("application/json")).extract().asString();
                assertEquals("{\"message\":\"access forbidden\"}", body);
            }
        }
    }

    @Test
    void theStreamKeepsACursorPerKeyAndClient() {
        String key = TestSupport.newKey("crowdsec-stream-" + System.nanoTime(), "enforcer");
        ban("{\"value\":\"198.51.100.201\",\"duration\":\"4h\",\"reason\":\"crowdsec-stream-test\"}");
        JsonPath startup = as(key).get("/v1/decisions/stream?startup=true").then().statusCode(200).extract().jsonPath();
        assertTrue(startup.getList("new.value", String.class).contains("198.51.100.201"));
        assertNull(startup.get("deleted"));

        // Polls filter on this test's scenario: other tests' bans and expiries are no business of these assertions.
        String only = "?scenarios_containing=crowdsec-stream-test";
        String nothing = as(key).get("/v1/decisions/stream" + only).then().statusCode(200).extract().asString();
        assertEquals("{\"deleted\":null,\"new\":null}", nothing, "a poll without startup carries only what changed");

        ban("{\"value\":\"198.51.100.202\",\"duration\":\"4h\",\"reason\":\"crowdsec-stream-test\"}");
        JsonPath added = as(key).get("/v1/decisions/stream" + only).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("198.51.100.202"), added.getList("new.value"));
        assertNull(added.get("deleted"));

        admin().delete("/api/v1/decisions?value=198.51.100.202").then().statusCode(200);
        JsonPath deleted = as(key).get("/v1/decisions/stream" + only).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("198.51.100.202"), deleted.getList("deleted.value"));
        assertTrue(deleted.getString("deleted[0].duration").startsWith("-"), "time left of an ended decision is negative");
        assertNull(deleted.get("new"));

        // Another client address with the same key has its own cursor: it starts from a full snapshot.
        JsonPath otherClient = as(key).header("X-Forwarded-For", "192.0.2.77")
                .get("/v1/decisions/stream").then().statusCode(200).extract().jsonPath();
        assertTrue(otherClient.getList("new.value", String.class).contains("198.51.100.201"));
    }

    @Test
    void streamFiltersApply() {
        String key = TestSupport.newKey("crowdsec-filters-" + System.nanoTime(), "enforcer");
        ban("{\"value\":\"198.51.100.0/28\",\"duration\":\"4h\",\"reason\":\"filters-range\"}");
        ban("{\"value\":\"198.51.100.211\",\"duration\":\"4h\",\"reason\":\"filters-ip\"}");
        JsonPath onlyIps = as(key).get("/v1/decisions/stream?startup=true&scopes=ip&scenarios_containing=filters-")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("198.51.100.211"), onlyIps.getList("new.value"));
        JsonPath notRange = as(key).get("/v1/decisions/stream?startup=true&scenarios_containing=filters-&scenarios_not_containing=range")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("198.51.100.211"), notRange.getList("new.value"));
        JsonPath origins = as(key).get("/v1/decisions/stream?startup=true&origins=someone-else")
                .then().statusCode(200).extract().jsonPath();
        assertNull(origins.get("new"));
    }

    @Test
    void aDeletionIsHeldBackWhileAnotherDecisionStillBansTheValue() {
        String key = TestSupport.newKey("crowdsec-overlap-" + System.nanoTime(), "enforcer");
        String agent = TestSupport.newKey("crowdsec-overlap-agent-" + System.nanoTime(), "agent");
        ban("{\"value\":\"198.51.100.221\",\"duration\":\"4h\",\"reason\":\"overlap-test\"}");
        as(agent).contentType("application/json").body("{\"value\":\"198.51.100.221\",\"duration\":\"4h\",\"reason\":\"overlap-test\"}")
                .post("/api/v1/decisions").then().statusCode(201);
        as(key).get("/v1/decisions/stream?startup=true&scenarios_containing=overlap-test").then().statusCode(200);
        admin().delete("/api/v1/decisions?value=198.51.100.221&origin=bootstrap-admin").then().statusCode(200);
        assertEquals("{\"deleted\":null,\"new\":null}", as(key).get("/v1/decisions/stream?scenarios_containing=overlap-test")
                .asString(), "the value is still banned by the agent's decision");
        admin().delete("/api/v1/decisions?value=198.51.100.221").then().statusCode(200);
        as(key).get("/v1/decisions/stream?scenarios_containing=overlap-test").then().statusCode(200)
                .body("deleted.value", equalTo(List.of("198.51.100.221")))
                .body("deleted[0].duration", matchesPattern("-.*s"));
    }
}
