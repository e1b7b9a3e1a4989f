package dev.banlist.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The HTTP API of one packaged service as an admin calls it, for the black-box tests. */
final class ServiceApi {

    static final String ADMIN_KEY = "it-admin-key-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final PackagedService service;
    private final String base;

    ServiceApi(PackagedService service) {
        this.service = service;
        this.base = "http://localhost:" + service.port;
    }

    /** Waits until the service answers ready (schema migrated, database reachable). */
    ServiceApi awaitReady(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            try {
                HttpResponse<String> ready = send("GET", "/q/health/ready", null);
                if (ready.statusCode() == 200) {
                    return this;
                }
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            assertTrue(Instant.now().isBefore(deadline), "not ready within " + timeout + ":\n" + output());
            Thread.sleep(100);
        }
    }

    JsonNode get(String path) {
        return expect(200, send("GET", path, null));
    }

    JsonNode delete(String path) {
        return expect(200, send("DELETE", path, null));
    }

    JsonNode post(String path, String body, int status) {
        return expect(status, send("POST", path, body));
    }

    /** Creates a source from its JSON and returns its id. */
    long createSource(String json) {
        return post("/api/v1/sources", json, 201).path("id").asLong();
    }

    /** Starts a manual run and returns its id. */
    long startRun(long sourceId) {
        return post("/api/v1/sources/" + sourceId + "/runs", null, 202).path("run_id").asLong();
    }

    /** Starts a manual run; empty while another run holds the source (409 IMPORT_RUNNING). */
    java.util.OptionalLong tryStartRun(long sourceId) {
        HttpResponse<String> response = send("POST", "/api/v1/sources/" + sourceId + "/runs", null);
        if (response.statusCode() == 409) {
            return java.util.OptionalLong.empty();
        }
        return java.util.OptionalLong.of(expect(202, response).path("run_id").asLong());
    }

    JsonNode run(long sourceId, long runId) {
        return get("/api/v1/sources/" + sourceId + "/runs/" + runId);
    }

    /** The whole run log of a source, newest first. */
    List<JsonNode> runs(long sourceId) {
        List<JsonNode> runs = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = get("/api/v1/sources/" + sourceId + "/runs?limit=100"
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
            page.path("runs").forEach(runs::add);
            cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
        } while (cursor != null);
        return runs;
    }

    /** Waits until the run is no longer running and returns it. */
    JsonNode awaitRun(long sourceId, long runId, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            JsonNode run = run(sourceId, runId);
            if (!"running".equals(run.path("status").asText())) {
                return run;
            }
            assertTrue(Instant.now().isBefore(deadline), "run " + runId + " still running after " + timeout
                    + ":\n" + output());
            Thread.sleep(50);
        }
    }

    String output() {
        return String.join("\n", service.output());
    }

    private HttpResponse<String> send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("X-Api-Key", ADMIN_KEY)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode expect(int status, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.request().method() + " " + response.uri() + ": "
                + response.body());
        try {
            return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }
}
