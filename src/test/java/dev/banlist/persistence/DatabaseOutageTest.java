package dev.banlist.persistence;

import static dev.banlist.support.TestSupport.admin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import dev.banlist.devdb.EmbeddedPostgresServer;
import dev.banlist.security.ApiKeyRegistry;
import dev.banlist.support.TestSupport;

/**
 * Stops the real (embedded) PostgreSQL under the running service, then starts it again. Writes fail with 503 and
 * nothing moves ahead of the database; reads keep answering from the in-memory index (enforcers fail static),
 * saying how stale they are, and readiness stays UP for them while the index is fresh.
 */
@QuarkusTest
class DatabaseOutageTest {

    @Inject
    ApiKeyRegistry keys;

    @Test
    void withTheDatabaseStoppedRequestsAre503UnavailableAndRecoverWithoutRestart() throws Exception {
        assumeTrue(System.getProperty(EmbeddedPostgresServer.PORT_PROPERTY) != null,
                "needs the embedded PostgreSQL, which this test stops and starts");
        admin().get("/api/v1/check?ip=192.0.2.1").then().statusCode(200);
        admin().contentType("application/json").body("{\"value\":\"192.0.2.209\",\"duration\":\"1h\"}")
                .post("/api/v1/decisions").then().statusCode(201);
        String enforcer = TestSupport.newKey("outage-enforcer", "enforcer");
        int knownKeys = keys.knownKeys();
        long rowsBefore = TestSupport.count("SELECT count(*) FROM decisions");
        double failuresBefore = TestSupport.metric("banlist_persist_failures_total",
                "operation=\"key.create\"", "error_code=\"DATABASE_UNAVAILABLE\"");

        EmbeddedPostgresServer.stop();
        try {
            admin().contentType("application/json").body("{\"value\":\"192.0.2.210\"}").post("/api/v1/decisions")
                    .then().statusCode(503).body("error_code", equalTo("DATABASE_UNAVAILABLE"));
            // Reads answer from the index: the ban made before the outage, and an unbanned address.
            String staleness = admin().get("/api/v1/check?ip=192.0.2.209").then().statusCode(200)
                    .body("banned", equalTo(true)).extract().header("X-Banlist-Staleness");
            admin().get("/api/v1/check?ip=192.0.2.1").then().statusCode(200).body("banned", equalTo(false));
            given().header("X-Api-Key", enforcer).get("/v1/decisions?ip=192.0.2.209").then().statusCode(200)
                    .body("[0].value", equalTo("192.0.2.209"));
            String export = given().header("X-Api-Key", enforcer).get("/api/v1/export?format=plain").then()
                    .statusCode(200).extract().asString();
            assertTrue(export.contains("192.0.2.209\n"), export);
            Thread.sleep(1500);
            double later = Double.parseDouble(admin().get("/api/v1/check?ip=192.0.2.209").then().statusCode(200)
                    .extract().header("X-Banlist-Staleness"));
            assertTrue(later >= Double.parseDouble(staleness) + 1.0, "the staleness header grows: " + staleness + " -> " + later);
            assertTrue(TestSupport.metric("banlist_index_staleness_seconds") >= 1.0);
            admin().contentType("application/json").body("{\"name\":\"during-outage\",\"role\":\"agent\"}")
                    .post("/api/v1/keys").then().statusCode(503).body("error_code", equalTo("DATABASE_UNAVAILABLE"));
            assertEquals(knownKeys, keys.knownKeys(), "memory did not move ahead of the database");
            assertEquals(failuresBefore + 1, TestSupport.metric("banlist_persist_failures_total",
                    "operation=\"key.create\"", "error_code=\"DATABASE_UNAVAILABLE\""));

            given().get("/q/health/ready").then().statusCode(200)
                    .body("checks.find { it.name == 'database' }.data.error_code", equalTo("DATABASE_UNAVAILABLE"))
                    .body("checks.find { it.name == 'database' }.data.index_loaded", equalTo(true));
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            EmbeddedPostgresServer.restart();
        }

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        admin().contentType("application/json").body("{\"value\":\"192.0.2.211\"}").post("/api/v1/decisions")
                .then().statusCode(201);
        admin().get("/api/v1/check?ip=192.0.2.211").then().statusCode(200).body("banned", equalTo(true));
        assertTrue(Double.parseDouble(admin().get("/api/v1/check?ip=192.0.2.211").then().extract()
                .header("X-Banlist-Staleness")) < 1.0, "the index is current again");
        admin().get("/api/v1/keys").then().statusCode(200)
                .body("findAll { it.name == 'during-outage' }.size()", equalTo(0));
        assertEquals(rowsBefore + 1, TestSupport.count("SELECT count(*) FROM decisions"),
                "only the write made after the restart is stored");
    }
}
