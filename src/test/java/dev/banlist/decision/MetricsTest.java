package dev.banlist.decision;

import static dev.banlist.support.TestSupport.admin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

@QuarkusTest
class MetricsTest {

    @Test
    void activeDecisionsAreCountedPerScope() throws Exception {
        admin().contentType("application/json")
                .body("[{\"value\":\"198.51.100.201\",\"origin\":\"metrics\"},{\"value\":\"198.51.100.192/28\",\"origin\":\"metrics\"}]")
                .post("/api/v1/decisions").then().statusCode(201);
        long ips = TestSupport.count("SELECT count(*) FROM decisions WHERE ended_at IS NULL AND (expires_at IS NULL OR expires_at > now())"
                + " AND masklen(value) IN (32, 128)");
        long ranges = TestSupport.count("SELECT count(*) FROM decisions WHERE ended_at IS NULL AND (expires_at IS NULL OR expires_at > now())"
                + " AND masklen(value) NOT IN (32, 128)");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                TestSupport.metric("banlist_decisions_active", "scope=\"ip\"") >= ips
                        && TestSupport.metric("banlist_decisions_active", "scope=\"range\"") >= ranges);
    }

    @Test
    void noAddressOrRawPathBecomesATag() {
        admin().get("/api/v1/check?ip=198.51.100.77").then().statusCode(200);
        admin().get("/api/v1/decisions/987654321").then().statusCode(404);
        admin().get("/api/v1/no/such/198.51.100.78").then().statusCode(404);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertFalse(metrics.contains("198.51.100.77"));
        assertFalse(metrics.contains("198.51.100.78"));
        assertFalse(metrics.contains("987654321"));
        assertTrue(metrics.contains("uri=\"/api/v1/decisions/{id}\""), "route templates, not raw paths");
    }
}
