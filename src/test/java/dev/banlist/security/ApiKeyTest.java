package dev.banlist.security;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.as;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import dev.banlist.support.LogCapture;
import dev.banlist.support.TestSupport;

@QuarkusTest
class ApiKeyTest {

    private static final String DECISION = "{\"value\":\"192.0.2.150\"}";

    @Test
    void noKeyOrABadKeyIs401() {
        given().get("/api/v1/check?ip=192.0.2.1").then().statusCode(401)
                .body("error_code", equalTo("UNAUTHENTICATED"));
        as("bl_not-a-real-key").get("/api/v1/check?ip=192.0.2.1").then().statusCode(401)
                .body("error_code", equalTo("UNAUTHENTICATED"));
        given().header("Authorization", "Bearer nope").get("/api/v1/decisions").then().statusCode(401);
    }

    @Test
    void rolesAreEnforced() {
        String enforcer = TestSupport.newKey("enforcer-roles", "enforcer");
        String agent = TestSupport.newKey("agent-roles", "agent");
        as(enforcer).get("/api/v1/check?ip=192.0.2.1").then().statusCode(200);
        as(enforcer).get("/api/v1/decisions").then().statusCode(200);
        as(enforcer).contentType("application/json").body(DECISION).post("/api/v1/decisions").then().statusCode(403)
                .body("error_code", equalTo("FORBIDDEN"));
        as(enforcer).delete("/api/v1/decisions/1").then().statusCode(403);
        as(agent).contentType("application/json").body(DECISION).post("/api/v1/decisions").then().statusCode(201)
                .body("origin", equalTo("agent-roles"));
        as(agent).get("/api/v1/keys").then().statusCode(403);
        as(agent).contentType("application/json").body("{\"name\":\"x\",\"role\":\"admin\"}").post("/api/v1/keys")
                .then().statusCode(403);
        // Bearer works like X-Api-Key.
        given().header("Authorization", "Bearer " + agent).get("/api/v1/check?ip=192.0.2.1").then().statusCode(200);
    }

    @Test
    void keysAreShownOnceAndListedWithoutSecrets() throws Exception {
        String key = admin().contentType("application/json").body("{\"name\":\"listed\",\"role\":\"enforcer\"}")
                .post("/api/v1/keys").then().statusCode(201)
                .body("name", equalTo("listed")).body("role", equalTo("enforcer")).body("key", startsWith("bl_"))
                .extract().path("key");
        assertTrue(key.length() >= 3 + 43, "256 random bits");
        String listing = admin().get("/api/v1/keys").then().statusCode(200)
                .body("name", hasItem("listed")).extract().asString();
        assertFalse(listing.contains(key));
        assertFalse(listing.contains("hash"));
        assertTrue(TestSupport.count("SELECT count(*) FROM api_keys WHERE key_hash = '" + key + "'") == 0,
                "only the hash is stored");
        admin().contentType("application/json").body("{\"name\":\"listed\",\"role\":\"agent\"}")
                .post("/api/v1/keys").then().statusCode(409);
        admin().contentType("application/json").body("{\"name\":\"Bad Name\",\"role\":\"root\"}")
                .post("/api/v1/keys").then().statusCode(400)
                .body("details.fields.field", hasItem("name")).body("details.fields.field", hasItem("role"));
    }

    @Test
    void revokedKeysStopWorking() {
        String key = TestSupport.newKey("revoked-here", "agent");
        as(key).get("/api/v1/decisions").then().statusCode(200);
        int id = admin().get("/api/v1/keys").then().extract().path("find { it.name == 'revoked-here' }.id");
        admin().delete("/api/v1/keys/" + id).then().statusCode(204);
        as(key).get("/api/v1/decisions").then().statusCode(401);
        admin().delete("/api/v1/keys/" + id).then().statusCode(404);
        admin().get("/api/v1/keys").then().body("name", not(hasItem("revoked-here")));
    }

    @Test
    void aKeyRevokedByAnotherReplicaStopsWorkingWithinSeconds() throws Exception {
        String key = TestSupport.newKey("revoked-elsewhere", "agent");
        as(key).get("/api/v1/decisions").then().statusCode(200);
        // Another replica revoking the key is, from here, a row disappearing from the shared database.
        try (var c = TestSupport.jdbc(); var s = c.createStatement()) {
            s.execute("DELETE FROM api_keys WHERE name = 'revoked-elsewhere'");
        }
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> as(key).get("/api/v1/decisions").statusCode() == 401);
    }

    @Test
    void healthAndMetricsNeedNoKey() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void keysNeverAppearInLogs() {
        String key = TestSupport.newKey("logged", "agent");
        try (LogCapture logs = LogCapture.open()) {
            as(key).get("/api/v1/decisions").then().statusCode(200);
            as(key + "x").get("/api/v1/decisions").then().statusCode(401);
            given().header("Authorization", "Bearer " + key + "y").get("/api/v1/decisions").then().statusCode(401);
            as(key).contentType("application/json").body("{\"value\":\"192.0.2.151\"}").post("/api/v1/decisions");
            for (LogCapture.Line line : logs.lines()) {
                assertFalse(line.all().contains(key), line.all());
            }
        }
    }
}
