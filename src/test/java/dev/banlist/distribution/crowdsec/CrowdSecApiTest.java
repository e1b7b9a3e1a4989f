package dev.banlist.distribution.crowdsec;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.as;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
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
    void aLookupWithoutAddressStreamsTheWholeFilteredSetInChunks() {
        ban("{\"value\":\"198.51.100.181\",\"duration\":\"4h\",\"reason\":\"crowdsec-whole-set\"}");
        ban("{\"value\":\"2001:db8:c5::/48\",\"duration\":\"4h\",\"reason\":\"crowdsec-whole-set\"}");
        var reply = as(enforcer()).get("/v1/decisions?scenarios_containing=crowdsec-whole-set").then().statusCode(200)
                .header("Content-Type", startsWith("application/json")).header("Transfer-Encoding", "chunked")
                .extract();
        assertEquals(List.of("198.51.100.181", "2001:db8:c5::/48"),
                reply.jsonPath().getList("value", String.class).stream().sorted().toList());
        assertEquals(List.of("Ip", "Range"), reply.jsonPath().getList("scope", String.class).stream().sorted().toList());
        assertEquals("null", as(enforcer()).get("/v1/decisions?scenarios_containing=crowdsec-whole-set&scope=nothing")
                .then().statusCode(200).extract().asString());
        // Without any filter: the whole set, these two among it.
        assertTrue(as(enforcer()).get("/v1/decisions").then().statusCode(200).extract().jsonPath()
                .getList("value", String.class).containsAll(List.of("198.51.100.181", "2001:db8:c5::/48")));
    }

    @Test
    void aBadLookupParameterIs400NamingIt() {
        as(enforcer()).get("/v1/decisions?ip=198.51.100.0/24").then().statusCode(400)
                .body("error_code", equalTo("VALIDATION_FAILED")).body("details.fields.field", equalTo(List.of("ip")));
        as(enforcer()).get("/v1/decisions?range=not-a-network").then().statusCode(400)
                .body("details.fields.field", equalTo(List.of("range")));
        as(enforcer()).get("/v1/decisions?ip=192.0.2.1&contains=maybe").then().statusCode(400)
                .body("details.fields.field", equalTo(List.of("contains")));
        as(enforcer()).delete("/v1/decisions").then().statusCode(405);
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

        // Another kind of bouncer on the same key and address has its own cursor: it starts from a full snapshot.
        JsonPath otherClient = as(key).header("User-Agent", "crowdsec-firewall-bouncer/v0.0.25")
                .get("/v1/decisions/stream").then().statusCode(200).extract().jsonPath();
        assertTrue(otherClient.getList("new.value", String.class).contains("198.51.100.201"));
    }

    @Test
    void twoBouncersOfDifferentKindsOnOneKeyAndAddressBothGetEveryChange() {
        String key = TestSupport.newKey("crowdsec-shared-" + System.nanoTime(), "enforcer");
        String only = "?scenarios_containing=crowdsec-shared-test";
        // A request specification keeps the query of its last request: a new one per request.
        Supplier<RequestSpecification> firewall = () -> as(key).header("User-Agent", "crowdsec-firewall-bouncer/v0.0.25");
        Supplier<RequestSpecification> nginx = () -> as(key).header("User-Agent", "crowdsec-nginx-bouncer/v1.0.5");
        firewall.get().get("/v1/decisions/stream?startup=true").then().statusCode(200);
        nginx.get().get("/v1/decisions/stream?startup=true").then().statusCode(200);

        ban("{\"value\":\"198.51.100.191\",\"duration\":\"4h\",\"reason\":\"crowdsec-shared-test\"}");
        // With one cursor for both, the first poll would take the ban and the second would never see it.
        assertEquals(List.of("198.51.100.191"), firewall.get().get("/v1/decisions/stream" + only).then().statusCode(200)
                .extract().jsonPath().getList("new.value"));
        assertEquals(List.of("198.51.100.191"), nginx.get().get("/v1/decisions/stream" + only).then().statusCode(200)
                .extract().jsonPath().getList("new.value"));

        admin().delete("/api/v1/decisions?value=198.51.100.191").then().statusCode(200);
        assertEquals(List.of("198.51.100.191"), nginx.get().get("/v1/decisions/stream" + only).then().statusCode(200)
                .extract().jsonPath().getList("deleted.value"));
        assertEquals(List.of("198.51.100.191"), firewall.get().get("/v1/decisions/stream" + only).then().statusCode(200)
                .extract().jsonPath().getList("deleted.value"));
    }

    @Test
    void aForgedForwardedForFromAnUntrustedPeerIsIgnored() {
        String key = TestSupport.newKey("crowdsec-forged-" + System.nanoTime(), "enforcer");
        String only = "?scenarios_containing=crowdsec-forged-test";
        ban("{\"value\":\"198.51.100.192\",\"duration\":\"4h\",\"reason\":\"crowdsec-forged-test\"}");
        as(key).get("/v1/decisions/stream?startup=true").then().statusCode(200);
        // No proxy is trusted by default: naming another address neither gets a cursor of its own (a full snapshot)
        // nor touches that address's cursor; the poll is this peer's delta.
        assertEquals("{\"deleted\":null,\"new\":null}", as(key).header("X-Forwarded-For", "192.0.2.78")
                .get("/v1/decisions/stream" + only).then().statusCode(200).extract().asString());
        ban("{\"value\":\"198.51.100.193\",\"duration\":\"4h\",\"reason\":\"crowdsec-forged-test\"}");
        assertEquals(List.of("198.51.100.193"), as(key).header("X-Forwarded-For", "192.0.2.79, 192.0.2.80")
                .get("/v1/decisions/stream" + only).then().statusCode(200).extract().jsonPath().getList("new.value"));
        admin().get("/api/v1/keys").then().statusCode(200)
                .body("find { it.name.startsWith('crowdsec-forged-') }.clients.address", equalTo(List.of("127.0.0.1")));
    }

    @Test
    void aKeyCreatedAgainUnderTheSameNameStartsAfresh() {
        String name = "crowdsec-recreated-" + System.nanoTime();
        String only = "?scenarios_containing=crowdsec-recreated-test";
        ban("{\"value\":\"198.51.100.194\",\"duration\":\"4h\",\"reason\":\"crowdsec-recreated-test\"}");
        String first = TestSupport.newKey(name, "enforcer");
        as(first).get("/v1/decisions/stream?startup=true").then().statusCode(200);
        assertEquals("{\"deleted\":null,\"new\":null}", as(first).get("/v1/decisions/stream" + only).asString());
        int id = admin().get("/api/v1/keys").then().extract().path("find { it.name == '" + name + "' }.id");
        admin().delete("/api/v1/keys/" + id).then().statusCode(204);

        String second = TestSupport.newKey(name, "enforcer");
        // Not the old key's position: the bouncer of the new key gets the whole set on its first poll.
        assertEquals(List.of("198.51.100.194"), as(second).get("/v1/decisions/stream" + only).then().statusCode(200)
                .extract().jsonPath().getList("new.value"));
    }

    @Test
    void theLastPullAgeGaugeForgetsARevokedKey() {
        String name = "crowdsec-gauge-" + System.nanoTime();
        String key = TestSupport.newKey(name, "enforcer");
        as(key).get("/v1/decisions/stream?startup=true&origins=nobody").then().statusCode(200);
        String sample = "banlist_enforcer_last_pull_age_seconds{key=\"" + name + "\"";
        assertTrue(given().get("/q/metrics").asString().contains(sample));
        int id = admin().get("/api/v1/keys").then().extract().path("find { it.name == '" + name + "' }.id");
        admin().delete("/api/v1/keys/" + id).then().statusCode(204);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> !given().get("/q/metrics").asString().contains(sample));
    }

    @Test
    void theKeyListingShowsEachBouncerWithItsLastPull() {
        String name = "crowdsec-listed-" + System.nanoTime();
        String key = TestSupport.newKey(name, "enforcer");
        as(key).header("User-Agent", "crowdsec-custom-bouncer/-").get("/v1/decisions/stream?startup=true&origins=nobody")
                .then().statusCode(200);
        as(key).header("User-Agent", "crowdsec-firewall-bouncer/v0.0.25").get("/v1/decisions/stream?origins=nobody")
                .then().statusCode(200);
        JsonPath listing = admin().get("/api/v1/keys").then().statusCode(200).extract().jsonPath();
        String me = "find { it.name == '" + name + "' }";
        assertEquals(List.of("crowdsec-firewall-bouncer/v0.0.25", "crowdsec-custom-bouncer/-"),
                listing.getList(me + ".clients.user_agent"), "most recent first");
        assertEquals(List.of("127.0.0.1", "127.0.0.1"), listing.getList(me + ".clients.address"));
        assertTrue(listing.getString(me + ".clients[0].last_pull").matches("\\d{4}-\\d\\d-\\d\\dT.*Z"),
                listing.getString(me + ".clients[0].last_pull"));
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
