package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.as;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

@QuarkusTest
class SourceApiTest {

    private static final String VALID = "{\"name\":\"api-src\",\"url\":\"https://lists.example.org/drop.txt\","
            + "\"format\":\"spamhaus\",\"interval\":\"6h\",\"enabled\":false,\"ban_duration\":\"2d\",\"jail\":\"drop\","
            + "\"labels\":{\"team\":\"net\"}}";

    @Test
    void createReadUpdateAndDefaults() {
        long id = admin().contentType("application/json").body(VALID).post("/api/v1/sources").then().statusCode(201)
                .body("name", equalTo("api-src")).body("format", equalTo("spamhaus")).body("interval", equalTo("6h"))
                .body("enabled", equalTo(false)).body("ban_duration", equalTo("2d")).body("jail", equalTo("drop"))
                .body("max_entries", equalTo(1_000_000)).body("labels.team", equalTo("net"))
                .body("status", equalTo("pending")).body("entries", equalTo(0)).body("etag", nullValue())
                .body("last_run", nullValue()).body("last_success_at", nullValue())
                .extract().jsonPath().getLong("id");
        admin().get("/api/v1/sources/" + id).then().statusCode(200).body("url", equalTo("https://lists.example.org/drop.txt"));
        admin().get("/api/v1/sources").then().statusCode(200).body("sources.name", hasItem("api-src"));

        // defaults
        admin().contentType("application/json").body("{\"name\":\"api-defaults\",\"url\":\"http://lists.example.org/x\"}")
                .post("/api/v1/sources").then().statusCode(201).body("format", equalTo("plain"))
                .body("interval", equalTo("1h")).body("enabled", equalTo(true))
                .body("ban_duration", equalTo("until_removed")).body("labels.size()", equalTo(0));

        // copy-then-write: a GET's body can be put back; read-only fields are ignored
        String current = admin().get("/api/v1/sources/" + id).then().extract().asString();
        admin().contentType("application/json").body(current.replace("\"6h\"", "\"30m\""))
                .put("/api/v1/sources/" + id).then().statusCode(200).body("interval", equalTo("30m"))
                .body("status", equalTo("pending"));
        admin().contentType("application/json").body(VALID.replace("api-src", "api-renamed"))
                .put("/api/v1/sources/" + id).then().statusCode(400).body("details.fields.field", hasItem("name"));
        admin().contentType("application/json").body(VALID).put("/api/v1/sources/999999").then().statusCode(404);
        admin().contentType("application/json").body(VALID).post("/api/v1/sources").then().statusCode(409)
                .body("error_code", equalTo("CONFLICT"));
    }

    @Test
    void everyInvalidFieldIsReportedAndNothingIsStored() throws Exception {
        admin().contentType("application/json").body("{\"name\":\"Bad Name\",\"url\":\"ftp://example.org/x\","
                        + "\"format\":\"csv\",\"interval\":\"30s\",\"enabled\":\"yes\",\"ban_duration\":\"forever\","
                        + "\"jail\":\"bad jail\",\"max_entries\":0,\"labels\":{\"a\":1},\"colour\":\"red\"}")
                .post("/api/v1/sources").then().statusCode(400).body("error_code", equalTo("VALIDATION_FAILED"))
                .body("details.fields.field", containsInAnyOrder("name", "url", "format", "interval", "enabled",
                        "ban_duration", "jail", "max_entries", "labels.a", "colour"));
        admin().contentType("application/json").body("{\"url\":\"http://example.org/x\"}").post("/api/v1/sources")
                .then().statusCode(400).body("details.fields.field", hasItem("name"));
        for (String url : new String[] { "not a url", "http:///nohost", "https://user:secret@example.org/x",
                "file:///etc/passwd" }) {
            admin().contentType("application/json").body("{\"name\":\"bad-url\",\"url\":\"" + url + "\"}")
                    .post("/api/v1/sources").then().statusCode(400).body("details.fields.field", hasItem("url"));
        }
        assertEquals(0, TestSupport.count("SELECT count(*) FROM sources WHERE name IN ('bad-url', 'Bad Name')"));
    }

    @Test
    void rolesAreEnforced() {
        String agent = TestSupport.newKey("src-agent", "agent");
        String enforcer = TestSupport.newKey("src-enforcer", "enforcer");
        long id = admin().contentType("application/json").body(VALID.replace("api-src", "roles-src"))
                .post("/api/v1/sources").then().statusCode(201).extract().jsonPath().getLong("id");
        as(enforcer).get("/api/v1/sources").then().statusCode(200);
        as(enforcer).get("/api/v1/sources/" + id).then().statusCode(200);
        as(enforcer).get("/api/v1/sources/" + id + "/runs").then().statusCode(200);
        as(enforcer).contentType("application/json").body(VALID.replace("api-src", "x-src")).post("/api/v1/sources")
                .then().statusCode(403);
        as(enforcer).post("/api/v1/sources/" + id + "/runs").then().statusCode(403);
        as(enforcer).delete("/api/v1/sources/" + id).then().statusCode(403);
        as(enforcer).contentType("application/json").body("{\"a\":\"b\"}").patch("/api/v1/sources/" + id + "/labels")
                .then().statusCode(403);
        as(agent).get("/api/v1/sources").then().statusCode(403);
        io.restassured.RestAssured.given().get("/api/v1/sources").then().statusCode(401);
    }

    @Test
    void enforcersSeeSourceUrlsWithoutTheirQueryStringInSourcesAndRunMessages() throws Exception {
        String enforcer = TestSupport.newKey("src-redacted", "enforcer");
        String url = "https://lists.example.org/feed.txt?key=s3cr3t-token&format=plain";
        long id = admin().contentType("application/json").body("{\"name\":\"token-src\",\"url\":\"" + url
                + "\",\"enabled\":false}").post("/api/v1/sources").then().statusCode(201).extract().jsonPath().getLong("id");
        long runId = TestSupport.count("INSERT INTO source_runs (source_id, trigger, instance, status, finished_at,"
                + " error_code, message) VALUES (" + id + ", 'manual', 'x', 'failed', now(), 'UPSTREAM_HTTP_ERROR',"
                + " 'Redirect to an unusable URL: ftp://lists.example.org/x?key=s3cr3t-token#part') RETURNING id");
        TestSupport.count("WITH u AS (UPDATE sources SET last_run_id = " + runId + " WHERE id = " + id
                + " RETURNING 1) SELECT count(*) FROM u");

        String redacted = "https://lists.example.org/feed.txt?redacted";
        String message = "Redirect to an unusable URL: ftp://lists.example.org/x?redacted#redacted";
        as(enforcer).get("/api/v1/sources/" + id).then().statusCode(200).body("url", equalTo(redacted))
                .body("last_run.message", equalTo(message));
        String all = as(enforcer).get("/api/v1/sources").then().statusCode(200).extract().asString();
        assertFalse(all.contains("s3cr3t-token"), all);
        as(enforcer).get("/api/v1/sources/" + id + "/runs").then().statusCode(200)
                .body("runs[0].message", equalTo(message));
        as(enforcer).get("/api/v1/sources/" + id + "/runs/" + runId).then().statusCode(200)
                .body("message", equalTo(message));

        admin().get("/api/v1/sources/" + id).then().statusCode(200).body("url", equalTo(url));
        admin().get("/api/v1/sources/" + id + "/runs/" + runId).then().statusCode(200)
                .body("message", org.hamcrest.Matchers.containsString("s3cr3t-token"));
    }

    @Test
    void unknownSourcesAre404() {
        admin().get("/api/v1/sources/987654").then().statusCode(404).body("error_code", equalTo("NOT_FOUND"));
        admin().get("/api/v1/sources/987654/runs").then().statusCode(404);
        admin().get("/api/v1/sources/987654/runs/1").then().statusCode(404);
        admin().post("/api/v1/sources/987654/runs").then().statusCode(404);
        admin().delete("/api/v1/sources/987654").then().statusCode(404);
        admin().contentType("application/json").body("{\"a\":\"b\"}").patch("/api/v1/sources/987654/labels")
                .then().statusCode(404);
        admin().get("/api/v1/sources/abc").then().statusCode(400);
    }
}
