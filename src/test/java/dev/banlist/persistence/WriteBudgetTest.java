package dev.banlist.persistence;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/**
 * A write whose budget expires is rolled back before it is answered, so a 503 means nothing was written, even
 * when the server would have let its statement run on: the settings are the legitimate ones that made a timed-out
 * ban commit after its answer (statement timeout longer than the budget, no lock timeout). The locks are real,
 * held by a second connection and released just after the budget.
 */
@QuarkusTest
@TestProfile(WriteBudgetTest.Profile.class)
class WriteBudgetTest {

    private static final long BUDGET_MS = 3000;
    private static final long HOLD_MS = BUDGET_MS + 1500;
    private static boolean warm;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "banlist.database.lock-timeout", "0s",
                    "banlist.database.statement-timeout", "10s",
                    "banlist.database.write-timeout", BUDGET_MS + "ms");
        }
    }

    /**
     * The first request of a path is slow on a loaded machine (class loading, JIT); warmed up, each request below
     * reaches the database well before the lock is released.
     */
    @BeforeEach
    void warmUp() {
        if (warm) {
            return;
        }
        warm = true;
        admin().contentType("application/json").body("{\"value\":\"198.18.77.9\",\"origin\":\"budget-warm\"}")
                .post("/api/v1/decisions").then().statusCode(201);
        admin().contentType("application/json").body("{\"name\":\"budget-warm\",\"role\":\"agent\"}")
                .post("/api/v1/keys").then().statusCode(201);
        long id = admin().contentType("application/json")
                .body("{\"name\":\"budget-warm\",\"url\":\"http://127.0.0.1:9/list.txt\",\"format\":\"plain\","
                        + "\"enabled\":false}")
                .post("/api/v1/sources").then().statusCode(201).extract().jsonPath().getLong("id");
        admin().contentType("application/json").body("{\"warm\":\"yes\"}").patch("/api/v1/sources/" + id + "/labels")
                .then().statusCode(200);
    }

    @Test
    void aBanThatTimesOutBehindATableLockIsNeverCommitted() throws Exception {
        Response r = whileLocked("LOCK TABLE decisions IN SHARE MODE", () -> admin().contentType("application/json")
                .body("{\"value\":\"198.18.77.1\",\"origin\":\"budget-test\"}").post("/api/v1/decisions"));
        r.then().statusCode(503).body("error_code", equalTo("DATABASE_TIMEOUT"));
        assertEquals(0, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'budget-test'"));
    }

    @Test
    void anUnbanThatTimesOutLeavesTheDecisionActiveSoTheRetrySucceeds() throws Exception {
        int id = admin().contentType("application/json").body("{\"value\":\"198.18.77.2\",\"origin\":\"budget-unban\"}")
                .post("/api/v1/decisions").then().statusCode(201).extract().path("id");
        Response r = whileLocked("LOCK TABLE decisions IN SHARE MODE", () -> admin().delete("/api/v1/decisions/" + id));
        r.then().statusCode(503).body("error_code", equalTo("DATABASE_TIMEOUT"));
        admin().delete("/api/v1/decisions/" + id).then().statusCode(200);
    }

    @Test
    void aKeyThatTimesOutIsNeverCreated() throws Exception {
        Response r = whileLocked("LOCK TABLE api_keys IN SHARE MODE", () -> admin().contentType("application/json")
                .body("{\"name\":\"budget-key\",\"role\":\"agent\"}").post("/api/v1/keys"));
        r.then().statusCode(503).body("error_code", equalTo("DATABASE_TIMEOUT"));
        assertEquals(0, TestSupport.count("SELECT count(*) FROM api_keys WHERE name = 'budget-key'"));
    }

    @Test
    void aSourceThatTimesOutIsNeverCreated() throws Exception {
        Response r = whileLocked("LOCK TABLE sources IN SHARE MODE", () -> admin().contentType("application/json")
                .body("{\"name\":\"budget-source\",\"url\":\"http://127.0.0.1:9/list.txt\",\"format\":\"plain\","
                        + "\"enabled\":false}")
                .post("/api/v1/sources"));
        r.then().statusCode(503).body("error_code", equalTo("DATABASE_TIMEOUT"));
        assertEquals(0, TestSupport.count("SELECT count(*) FROM sources WHERE name = 'budget-source'"));
    }

    @Test
    void aLabelChangeThatTimesOutIsNeverCommitted() throws Exception {
        long id = admin().contentType("application/json")
                .body("{\"name\":\"budget-labels\",\"url\":\"http://127.0.0.1:9/list.txt\",\"format\":\"plain\","
                        + "\"enabled\":false}")
                .post("/api/v1/sources").then().statusCode(201).extract().jsonPath().getLong("id");
        Response r = whileLocked("LOCK TABLE sources IN SHARE MODE", () -> admin().contentType("application/json")
                .body("{\"team\":\"blue\"}").patch("/api/v1/sources/" + id + "/labels"));
        r.then().statusCode(503).body("error_code", equalTo("DATABASE_TIMEOUT"));
        assertEquals(0, TestSupport.count("SELECT count(*) FROM sources WHERE id = " + id + " AND labels ? 'team'"));
    }

    /**
     * A deferred constraint trigger waits at COMMIT on an advisory lock the second connection holds: the budget
     * expires while COMMIT itself is in flight, the one case whose outcome cannot be known.
     */
    @Test
    void aTimeoutDuringCommitIsAnsweredAsOutcomeUnknownAndCounted() throws Exception {
        String unknown = "banlist_db_outcome_unknown_total";
        double before = TestSupport.metric(unknown, "operation=\"decision.create\"");
        try (Connection ddl = TestSupport.jdbc()) {
            ddl.createStatement().execute("""
                    CREATE OR REPLACE FUNCTION budget_test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN PERFORM pg_advisory_xact_lock(77077); RETURN NULL; END $$""");
            ddl.createStatement().execute("""
                    CREATE CONSTRAINT TRIGGER budget_test_slow_commit AFTER INSERT ON decisions
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.origin = 'budget-commit')
                    EXECUTE FUNCTION budget_test_slow_commit()""");
            try {
                Response r = whileLocked("SELECT pg_advisory_xact_lock(77077)", () -> admin()
                        .contentType("application/json")
                        .body("{\"value\":\"198.18.77.3\",\"origin\":\"budget-commit\"}").post("/api/v1/decisions"));
                r.then().statusCode(503).body("error_code", equalTo("DATABASE_OUTCOME_UNKNOWN"))
                        .body("details.retryable", equalTo(false));
                assertEquals(before + 1, TestSupport.metric(unknown, "operation=\"decision.create\""));
            } finally {
                ddl.createStatement().execute("DROP TRIGGER budget_test_slow_commit ON decisions");
                ddl.createStatement().execute("DROP FUNCTION budget_test_slow_commit()");
            }
        }
    }

    /** Runs the request while a second connection holds the lock, released just after the budget expires. */
    private static Response whileLocked(String lockStatement, java.util.function.Supplier<Response> request)
            throws Exception {
        try (Connection holder = TestSupport.jdbc()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute(lockStatement);
            CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(HOLD_MS);
                    holder.rollback();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Response response = request.get();
            release.get(30, TimeUnit.SECONDS);
            // Whatever the abandoned statement could do once the lock was free, it would have done by now.
            Thread.sleep(1000);
            return response;
        }
    }
}
