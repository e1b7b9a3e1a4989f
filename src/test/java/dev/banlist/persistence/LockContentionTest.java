package dev.banlist.persistence;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.List;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import dev.banlist.support.LogCapture;
import dev.banlist.support.TestSupport;

/** A second connection really holds the row lock; nothing is mocked. */
@QuarkusTest
class LockContentionTest {

    private static final String BUSY_UNBAN = "operation=\"decision.unban\"";

    @Test
    void aLockedDecisionAnswers503BusyWithinTheTimeoutAndSucceedsOnceReleased() throws Exception {
        int id = admin().contentType("application/json").body("{\"value\":\"192.0.2.200\",\"origin\":\"lock-test\"}")
                .post("/api/v1/decisions").then().statusCode(201).extract().path("id");
        double busyBefore = TestSupport.metric("banlist_db_busy_total", BUSY_UNBAN);
        double failuresBefore = TestSupport.metric("banlist_persist_failures_total", BUSY_UNBAN,
                "error_code=\"DATABASE_BUSY\"");

        try (Connection holder = TestSupport.jdbc(); LogCapture logs = LogCapture.open()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT * FROM decisions WHERE id = " + id + " FOR UPDATE");

            long start = System.nanoTime();
            Response busy = admin().delete("/api/v1/decisions/" + id);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;

            busy.then().statusCode(503)
                    .body("error_code", equalTo("DATABASE_BUSY"))
                    .body("details.retryable", equalTo(true))
                    .header("Retry-After", "1");
            assertTrue(elapsedMs < 3000, "answered within the 3 s timeout, took " + elapsedMs + " ms");
            assertTrue(TestSupport.metric("banlist_db_busy_total", BUSY_UNBAN) >= busyBefore + 2,
                    "every attempt counted: the first and at least one retry");
            assertEquals(failuresBefore + 1, TestSupport.metric("banlist_persist_failures_total", BUSY_UNBAN,
                    "error_code=\"DATABASE_BUSY\""));

            List<LogCapture.Line> failures = logs.lines().stream()
                    .filter(l -> l.message().contains("event=persist_failed")).toList();
            assertEquals(1, failures.size(), "logged once: " + failures);
            assertTrue(failures.get(0).message().contains("error_code=DATABASE_BUSY"));
            assertTrue(failures.get(0).message().contains("sqlstate=55P03"));
            assertTrue(failures.get(0).message().contains("operation=decision.unban"));
            assertEquals(busy.header("X-Request-Id"), failures.get(0).requestId(), "the log line carries the request id");
            holder.rollback();
        }
        admin().delete("/api/v1/decisions/" + id).then().statusCode(200);
    }

    @Test
    void aFailedBatchWritesNothing() throws Exception {
        int id = admin().contentType("application/json").body("{\"value\":\"192.0.2.201\",\"origin\":\"batch-lock\"}")
                .post("/api/v1/decisions").then().statusCode(201).extract().path("id");
        try (Connection holder = TestSupport.jdbc()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT * FROM decisions WHERE id = " + id + " FOR UPDATE");
            admin().contentType("application/json")
                    .body("[{\"value\":\"192.0.2.202\",\"origin\":\"batch-lock\"},{\"value\":\"192.0.2.203\",\"origin\":\"batch-lock\"},"
                            + "{\"value\":\"192.0.2.201\",\"origin\":\"batch-lock\",\"duration\":\"9h\"}]")
                    .post("/api/v1/decisions").then().statusCode(503).body("error_code", equalTo("DATABASE_BUSY"));
            holder.rollback();
        }
        assertEquals(1, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'batch-lock'"),
                "neither new row of the failed batch was written");
        admin().get("/api/v1/check?ip=192.0.2.202").then().body("banned", equalTo(false));
    }
}
