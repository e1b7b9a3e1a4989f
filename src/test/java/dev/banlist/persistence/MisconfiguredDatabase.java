package dev.banlist.persistence;

import static dev.banlist.support.TestSupport.admin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;

/** What a service started against a real server with wrong settings must answer: the code that names the cause. */
final class MisconfiguredDatabase {

    private MisconfiguredDatabase() {
    }

    static void answersEverywhere(String code) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'database' }.data.error_code", equalTo(code)));
        given().get("/q/health/live").then().statusCode(200);
        admin().get("/api/v1/check?ip=192.0.2.1").then().statusCode(503).body("error_code", equalTo(code));
        admin().contentType("application/json").body("{\"value\":\"192.0.2.1\"}").post("/api/v1/decisions")
                .then().statusCode(503).body("error_code", equalTo(code));
    }
}
