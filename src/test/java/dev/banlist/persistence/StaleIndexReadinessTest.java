package dev.banlist.persistence;

import static dev.banlist.support.TestSupport.admin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import dev.banlist.devdb.EmbeddedPostgresServer;

/** With the database down for longer than the staleness bound, readiness goes DOWN; checks still answer. */
@QuarkusTest
@TestProfile(StaleIndexReadinessTest.ShortBound.class)
class StaleIndexReadinessTest {

    public static class ShortBound implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("banlist.distribution.max-staleness", "3s", "banlist.sources.schedule-tick", "1h");
        }
    }

    @Test
    void readinessFollowsTheIndexFreshnessWhileTheDatabaseIsDown() {
        assumeTrue(System.getProperty(EmbeddedPostgresServer.PORT_PROPERTY) != null,
                "needs the embedded PostgreSQL, which this test stops and starts");
        await().atMost(Duration.ofSeconds(15)).until(() -> given().get("/q/health/ready").statusCode() == 200);
        EmbeddedPostgresServer.stop();
        try {
            given().get("/q/health/ready").then().statusCode(200);
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                    .until(() -> given().get("/q/health/ready").statusCode() == 503);
            admin().get("/api/v1/check?ip=192.0.2.1").then().statusCode(200);
        } finally {
            EmbeddedPostgresServer.restart();
        }
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
    }
}
