package dev.banlist.decision;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

@QuarkusTest
class DecisionApiTest {

    @TestHTTPResource("/api/v1/decisions")
    URL decisionsUrl;

    private static Response post(String json) {
        return admin().contentType("application/json").body(json).post("/api/v1/decisions");
    }

    @Test
    void postsOneDecisionAndAnswersTheStoredOne() {
        post("{\"value\":\"198.51.100.7\",\"duration\":\"1h\",\"reason\":\"sshd brute force\",\"origin\":\"fail2ban\",\"jail\":\"sshd\"}")
                .then().statusCode(201)
                .body("id", notNullValue())
                .body("value", equalTo("198.51.100.7"))
                .body("scope", equalTo("ip"))
                .body("type", equalTo("ban"))
                .body("origin", equalTo("fail2ban"))
                .body("jail", equalTo("sshd"))
                .body("reason", equalTo("sshd brute force"))
                .body("created_at", endsWith("Z"))
                .body("expires_at", endsWith("Z"));
    }

    @Test
    void durationsAndDefaults() {
        Response r = post("[{\"value\":\"198.51.100.10\"},{\"value\":\"198.51.100.11\",\"duration\":\"30s\"},"
                + "{\"value\":\"198.51.100.12\",\"duration\":\"PT4H\"},{\"value\":\"198.51.100.13\",\"duration\":\"7d\"},"
                + "{\"value\":\"198.51.100.14\",\"duration\":\"permanent\"}]");
        r.then().statusCode(201).body("$", hasSize(5));
        assertEquals(Duration.ofHours(4), lifetime(r, 0), "absent duration is the configured default");
        assertEquals(Duration.ofSeconds(30), lifetime(r, 1));
        assertEquals(Duration.ofHours(4), lifetime(r, 2));
        assertEquals(Duration.ofDays(7), lifetime(r, 3));
        r.then().body("[4].expires_at", nullValue());
        r.then().body("[0].origin", equalTo("bootstrap-admin")); // the caller's key name when absent
    }

    private static Duration lifetime(Response r, int i) {
        return Duration.between(Instant.parse(r.path("[" + i + "].created_at")), Instant.parse(r.path("[" + i + "].expires_at")));
    }

    @Test
    void normalisesValues() {
        Response stored = post("[{\"value\":\"::ffff:203.0.113.9\"},{\"value\":\"2001:DB8:0:0:0:0:0:42\"},"
                + "{\"value\":\"2001:db8:aa::/48\"},{\"value\":\"203.0.113.0/24\"},{\"value\":\"::1.2.3.4\"},"
                + "{\"value\":\"2001:db8:0:1:1:1:1:1\"},{\"value\":\"2001:0:0:1:0:0:0:1\"},{\"value\":\"2001:db8::/128\"}]");
        List<String> canonical = List.of("203.0.113.9", "2001:db8::42", "2001:db8:aa::/48", "203.0.113.0/24",
                "::102:304", "2001:db8:0:1:1:1:1:1", "2001:0:0:1::1", "2001:db8::");
        stored.then().statusCode(201)
                .body("value", equalTo(canonical))
                .body("scope", contains("ip", "ip", "range", "range", "ip", "ip", "ip", "ip"));
        // Read back from the database, values print exactly as they were answered.
        for (int i = 0; i < canonical.size(); i++) {
            admin().get("/api/v1/decisions/" + stored.path("[" + i + "].id")).then()
                    .body("value", equalTo(canonical.get(i)));
        }
    }

    @Test
    void hostBitsSetIsA400NamingTheNetwork() {
        post("{\"value\":\"203.0.113.77/24\"}").then().statusCode(400)
                .body("error_code", equalTo("VALIDATION_FAILED"))
                .body("details.fields[0].field", equalTo("value"))
                .body("details.fields[0].problem", containsString("did you mean 203.0.113.0/24?"));
    }

    @Test
    void everyInvalidFieldIsReportedAndNothingIsStored() throws Exception {
        long before = TestSupport.count("SELECT count(*) FROM decisions");
        post("[{\"value\":\"192.0.2.200\"},{\"value\":\"not-an-ip\",\"type\":\"kill\",\"duration\":\"soon\",\"origin\":\"list:x\","
                + "\"jail\":\"bad jail\",\"colour\":\"red\"},{\"value\":5}]")
                .then().statusCode(400)
                .body("error_code", equalTo("VALIDATION_FAILED"))
                .body("details.fields.field", hasItem("[1].value"))
                .body("details.fields.field", hasItem("[1].type"))
                .body("details.fields.field", hasItem("[1].duration"))
                .body("details.fields.field", hasItem("[1].origin"))
                .body("details.fields.field", hasItem("[1].jail"))
                .body("details.fields.field", hasItem("[1].colour"))
                .body("details.fields.field", hasItem("[2].value"));
        assertEquals(before, TestSupport.count("SELECT count(*) FROM decisions"));
        post("{}").then().statusCode(400).body("details.fields[0].field", equalTo("value"));
        post("[]").then().statusCode(400).body("error_code", equalTo("VALIDATION_FAILED"));
        post("\"1.2.3.4\"").then().statusCode(400).body("error_code", equalTo("VALIDATION_FAILED"));
    }

    @Test
    void moreThanTenThousandIsA413() throws Exception {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 10_001; i++) {
            body.append(i == 0 ? "" : ",").append("{\"value\":\"100.").append(64 + i / 65536).append('.')
                    .append(i / 256 % 256).append('.').append(i % 256).append("\"}");
        }
        long before = TestSupport.count("SELECT count(*) FROM decisions");
        post(body.append("]").toString()).then().statusCode(413).body("error_code", equalTo("PAYLOAD_TOO_LARGE"));
        assertEquals(before, TestSupport.count("SELECT count(*) FROM decisions"));
    }

    @Test
    void tenThousandInOneRequestAreStored() throws Exception {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 10_000; i++) {
            body.append(i == 0 ? "" : ",").append("{\"value\":\"2001:db8:10::").append(Integer.toHexString(i + 1))
                    .append("\",\"origin\":\"bulk-test\"}");
        }
        post(body.append("]").toString()).then().statusCode(201).body("$", hasSize(10_000));
        assertEquals(10_000, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'bulk-test' AND ended_at IS NULL"));
    }

    @Test
    void aRepeatedBanExtendsInsteadOfDuplicating() {
        String first = post("{\"value\":\"192.0.2.50\",\"duration\":\"1h\",\"origin\":\"extend-test\"}")
                .then().statusCode(201).extract().path("expires_at");
        Response longer = post("{\"value\":\"192.0.2.50\",\"duration\":\"5h\",\"origin\":\"extend-test\",\"reason\":\"again\"}");
        longer.then().statusCode(201);
        Response shorter = post("{\"value\":\"192.0.2.50\",\"duration\":\"1m\",\"origin\":\"extend-test\"}");
        shorter.then().statusCode(201);
        assertEquals((Object) longer.path("id"), shorter.path("id"));
        assertTrue(Instant.parse(longer.path("expires_at")).isAfter(Instant.parse(first).plus(Duration.ofHours(3))));
        assertEquals((String) longer.path("expires_at"), shorter.path("expires_at"), "the later expiry wins");
        assertEquals("again", shorter.path("reason"));
        Response permanent = post("{\"value\":\"192.0.2.50\",\"duration\":\"permanent\",\"origin\":\"extend-test\"}");
        permanent.then().body("expires_at", nullValue());
        post("{\"value\":\"192.0.2.50\",\"duration\":\"1h\",\"origin\":\"extend-test\"}").then().body("expires_at", nullValue());
        // Another origin is another decision.
        Response other = post("{\"value\":\"192.0.2.50\",\"duration\":\"1h\",\"origin\":\"other-agent\"}");
        assertTrue(!other.path("id").equals(longer.path("id")));
        // Duplicates inside one request are applied once.
        post("[{\"value\":\"192.0.2.51\",\"origin\":\"dup\",\"duration\":\"1h\"},{\"value\":\"192.0.2.51\",\"origin\":\"dup\",\"duration\":\"2h\"}]")
                .then().statusCode(201).body("[0].id", equalTo(post("{\"value\":\"192.0.2.51\",\"origin\":\"dup\"}").path("id")));
    }

    @Test
    void aBanAfterExpiryStartsANewDecision() throws Exception {
        int id = post("{\"value\":\"192.0.2.60\",\"duration\":\"1h\",\"origin\":\"expiry-test\"}").path("id");
        try (var c = TestSupport.jdbc(); var s = c.createStatement()) {
            s.execute("UPDATE decisions SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE id = " + id);
        }
        int renewed = post("{\"value\":\"192.0.2.60\",\"duration\":\"1h\",\"origin\":\"expiry-test\"}").path("id");
        assertTrue(renewed != id);
        admin().get("/api/v1/decisions/" + id).then().body("ended_at", notNullValue());
    }

    @Test
    void fiftyConcurrentIdenticalPostsLeaveOneActiveDecision() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(decisionsUrl.toString()))
                .header("X-Api-Key", TestSupport.ADMIN_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"value\":\"192.0.2.99\",\"origin\":\"race\",\"duration\":\"1h\"}"))
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            responses.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                    return client.send(request, HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, pool));
        }
        start.countDown();
        Set<Integer> statuses = new HashSet<>();
        for (var f : responses) {
            statuses.add(f.get().statusCode());
        }
        pool.shutdown();
        assertEquals(Set.of(201), statuses);
        assertEquals(1, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'race' AND ended_at IS NULL"));
    }

    @Test
    void getByIdAnd404() {
        int id = post("{\"value\":\"192.0.2.70\"}").path("id");
        admin().get("/api/v1/decisions/" + id).then().statusCode(200).body("value", equalTo("192.0.2.70"));
        admin().get("/api/v1/decisions/999999999").then().statusCode(404).body("error_code", equalTo("NOT_FOUND"));
        admin().get("/api/v1/decisions/abc").then().statusCode(400).body("details.fields[0].field", equalTo("id"));
    }

    @Test
    void checkFindsEveryCoveringDecisionForIpv4AndIpv6() {
        post("[{\"value\":\"45.77.10.128/25\",\"origin\":\"check-a\"},{\"value\":\"45.77.10.200\",\"origin\":\"check-b\"},"
                + "{\"value\":\"2001:db8:c0::/48\",\"origin\":\"check-c\"}]").then().statusCode(201);
        admin().get("/api/v1/check?ip=45.77.10.200").then().statusCode(200)
                .body("ip", equalTo("45.77.10.200")).body("banned", equalTo(true))
                .body("decisions.value", contains("45.77.10.200", "45.77.10.128/25"));
        admin().get("/api/v1/check?ip=::ffff:45.77.10.129").then().body("ip", equalTo("45.77.10.129"))
                .body("decisions.value", contains("45.77.10.128/25"));
        admin().get("/api/v1/check?ip=45.77.10.1").then().body("banned", equalTo(false)).body("decisions", hasSize(0));
        admin().get("/api/v1/check?ip=2001:db8:c0:1::5").then().body("banned", equalTo(true))
                .body("decisions.value", contains("2001:db8:c0::/48"));
        admin().get("/api/v1/check?ip=2001:db8:c1::5").then().body("banned", equalTo(false));
        admin().get("/api/v1/check?ip=45.77.10.0/24").then().statusCode(400).body("error_code", equalTo("VALIDATION_FAILED"));
        admin().get("/api/v1/check?ip=nope").then().statusCode(400).body("details.fields[0].field", equalTo("ip"));
        admin().get("/api/v1/check").then().statusCode(400);
    }

    @Test
    void listFiltersAndKeysetPagination() {
        post("[{\"value\":\"198.18.0.0/24\",\"origin\":\"list-test\",\"jail\":\"web\"},"
                + "{\"value\":\"198.18.0.5\",\"origin\":\"list-test\",\"jail\":\"sshd\"},"
                + "{\"value\":\"198.18.1.5\",\"origin\":\"list-test\",\"jail\":\"sshd\"},"
                + "{\"value\":\"2001:db8:f::/64\",\"origin\":\"list-test\",\"jail\":\"web\"},"
                + "{\"value\":\"2001:db8:f::9\",\"origin\":\"list-test\",\"jail\":\"web\"}]").then().statusCode(201);
        admin().get("/api/v1/decisions?origin=list-test&contains=198.18.0.5").then().statusCode(200)
                .body("decisions.value", contains("198.18.0.5", "198.18.0.0/24"));
        admin().get("/api/v1/decisions?origin=list-test&within=198.18.0.0/16").then()
                .body("decisions.value", contains("198.18.1.5", "198.18.0.5", "198.18.0.0/24"));
        admin().get("/api/v1/decisions?origin=list-test&within=2001:db8::/32").then()
                .body("decisions.value", contains("2001:db8:f::9", "2001:db8:f::/64"));
        admin().get("/api/v1/decisions?origin=list-test&jail=sshd").then().body("decisions", hasSize(2));

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var req = admin().queryParam("origin", "list-test").queryParam("limit", 2);
            if (cursor != null) {
                req.queryParam("cursor", cursor);
            }
            Response page = req.get("/api/v1/decisions");
            page.then().statusCode(200);
            seen.addAll(page.path("decisions.value"));
            cursor = page.path("next_cursor");
        } while (cursor != null);
        assertEquals(List.of("2001:db8:f::9", "2001:db8:f::/64", "198.18.1.5", "198.18.0.5", "198.18.0.0/24"), seen);

        admin().get("/api/v1/decisions?limit=0").then().statusCode(400).body("details.fields[0].field", equalTo("limit"));
        admin().get("/api/v1/decisions?limit=1001").then().statusCode(400);
        admin().get("/api/v1/decisions?cursor=garbage").then().statusCode(400).body("details.fields[0].field", equalTo("cursor"));
        admin().get("/api/v1/decisions?active=maybe").then().statusCode(400);
        admin().get("/api/v1/decisions?within=10.0.0.1/8").then().statusCode(400);
    }

    @Test
    void unbanEndsTheDecisionWithoutDeletingIt() throws Exception {
        int id = post("{\"value\":\"192.0.2.80\",\"origin\":\"unban-test\"}").path("id");
        admin().delete("/api/v1/decisions/" + id).then().statusCode(200).body("ended_at", notNullValue());
        admin().get("/api/v1/check?ip=192.0.2.80").then().body("banned", equalTo(false));
        admin().delete("/api/v1/decisions/" + id).then().statusCode(404);
        assertEquals(1, TestSupport.count("SELECT count(*) FROM decisions WHERE id = " + id + " AND end_reason = 'unban'"));
        admin().get("/api/v1/decisions?active=false&origin=unban-test").then().body("decisions.id", contains(id));
        admin().get("/api/v1/decisions?origin=unban-test").then().body("decisions", hasSize(0));
    }

    @Test
    void unbanByValueAndOrigin() {
        post("[{\"value\":\"192.0.2.90\",\"origin\":\"agent-a\"},{\"value\":\"192.0.2.90\",\"origin\":\"agent-b\"},"
                + "{\"value\":\"192.0.2.91\",\"origin\":\"agent-a\"}]").then().statusCode(201);
        admin().delete("/api/v1/decisions?value=192.0.2.90&origin=agent-a").then().statusCode(200).body("deleted", equalTo(1));
        admin().get("/api/v1/check?ip=192.0.2.90").then().body("decisions.origin", contains("agent-b"));
        admin().delete("/api/v1/decisions?value=192.0.2.90").then().body("deleted", equalTo(1));
        admin().delete("/api/v1/decisions?value=192.0.2.90").then().body("deleted", equalTo(0));
        admin().delete("/api/v1/decisions").then().statusCode(400).body("details.fields[0].field", equalTo("value"));
        assertNotNull(admin().get("/api/v1/check?ip=192.0.2.91").path("decisions[0].id"));
    }
}
