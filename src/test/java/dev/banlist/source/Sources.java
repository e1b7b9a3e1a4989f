package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.restassured.path.json.JsonPath;

import dev.banlist.support.TestSupport;

/** Test helpers for sources: create, run now, wait for the run, read the applied entries from the database. */
final class Sources {

    private Sources() {
    }

    /** Creates a disabled source (so the scheduler leaves it to the test) and returns its id. */
    static long create(String name, String url, String format, String extraJson) {
        String body = "{\"name\":\"" + name + "\",\"url\":\"" + url + "\",\"format\":\"" + format
                + "\",\"enabled\":false" + (extraJson == null || extraJson.isEmpty() ? "" : "," + extraJson) + "}";
        return admin().contentType("application/json").body(body).post("/api/v1/sources")
                .then().statusCode(201).extract().jsonPath().getLong("id");
    }

    static long create(String name, String url, String format) {
        return create(name, url, format, null);
    }

    static long startRun(long sourceId) {
        return admin().post("/api/v1/sources/" + sourceId + "/runs").then().statusCode(202)
                .extract().jsonPath().getLong("run_id");
    }

    /** Waits until the run has finished and returns it. */
    static JsonPath awaitRun(long sourceId, long runId) {
        JsonPath[] run = new JsonPath[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            run[0] = admin().get("/api/v1/sources/" + sourceId + "/runs/" + runId).then().statusCode(200)
                    .extract().jsonPath();
            return !"running".equals(run[0].getString("status"));
        });
        return run[0];
    }

    /** Runs the source now and returns the finished run. */
    static JsonPath run(long sourceId) {
        return awaitRun(sourceId, startRun(sourceId));
    }

    static JsonPath source(long sourceId) {
        return admin().get("/api/v1/sources/" + sourceId).then().statusCode(200).extract().jsonPath();
    }

    /** The values of the source's active decisions, as PostgreSQL prints them, sorted. */
    static List<String> activeValues(String name) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = TestSupport.jdbc(); var s = c.prepareStatement("SELECT value::text FROM decisions"
                + " WHERE origin = ? AND ended_at IS NULL AND (expires_at IS NULL OR expires_at > now()) ORDER BY value")) {
            s.setString(1, "list:" + name);
            try (var rs = s.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
        }
        return values;
    }

    static long activeCount(String name) throws SQLException {
        return TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'list:" + name
                + "' AND ended_at IS NULL AND (expires_at IS NULL OR expires_at > now())");
    }

    /** The newest change time of the source's decisions, to prove that a run wrote nothing. */
    static String lastDecisionWrite(String name) throws SQLException {
        try (Connection c = TestSupport.jdbc(); var s = c.prepareStatement(
                "SELECT coalesce(max(updated_at)::text, '') || '/' || count(*) FROM decisions WHERE origin = ?")) {
            s.setString(1, "list:" + name);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
