package dev.banlist.persistence;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/** A pool of one connection really held by a blocked write: the next request waits for the pool, then is busy. */
@QuarkusTest
@TestProfile(PoolExhaustionTest.Profile.class)
class PoolExhaustionTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.datasource.reactive.max-size", "1",
                    // the importer's scheduler would compete for the one connection
                    "banlist.sources.schedule-tick", "1h",
                    "banlist.database.pool-wait-timeout", "200ms",
                    "banlist.database.lock-timeout", "2s",
                    "banlist.database.statement-timeout", "2500ms");
        }
    }

    @Test
    void aPoolWaitTimeoutIsDatabaseBusyAndCounted() throws Exception {
        int id = admin().contentType("application/json").body("{\"value\":\"192.0.2.240\",\"origin\":\"pool\"}")
                .post("/api/v1/decisions").then().statusCode(201).extract().path("id");
        double before = TestSupport.metric("banlist_db_busy_total", "operation=\"decision.get\"");
        try (Connection holder = TestSupport.jdbc()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT * FROM decisions WHERE id = " + id + " FOR UPDATE");
            // This unban occupies the only pooled connection while it waits for the row lock.
            CompletableFuture<Response> unban = CompletableFuture.supplyAsync(() -> admin().delete("/api/v1/decisions/" + id));
            Thread.sleep(500);
            // Reading the decision needs a connection (checks are answered from the in-memory index).
            admin().get("/api/v1/decisions/" + id).then().statusCode(503)
                    .body("error_code", equalTo("DATABASE_BUSY"))
                    .header("Retry-After", "1");
            assertTrue(TestSupport.metric("banlist_db_busy_total", "operation=\"decision.get\"") >= before + 1);
            holder.rollback();
            unban.get();
        }
        admin().get("/api/v1/decisions/" + id).then().statusCode(200);
    }
}
