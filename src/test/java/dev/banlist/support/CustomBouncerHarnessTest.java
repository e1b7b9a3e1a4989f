package dev.banlist.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link CustomBouncer} against a fake CrowdSec LAPI that answers in the format observed from LAPI 1.4.6,
 * and pins down what the real bouncer does with the answers the Banlist API may give.
 */
class CustomBouncerHarnessTest {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String KEY = "bouncer-key-0123456789";

    private static final String NEW_10 = "{\"duration\":\"3h59m58.5s\",\"id\":1,\"origin\":\"cscli\",\"scenario\":\"test\","
            + "\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"198.51.100.10\"}";
    private static final String DELETED_10 = "{\"duration\":\"-9.634588778s\",\"id\":1,\"origin\":\"cscli\","
            + "\"scenario\":\"test\",\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"198.51.100.10\"}";
    private static final String NEW_10_AGAIN = "{\"duration\":\"1h\",\"id\":2,\"origin\":\"cscli\",\"scenario\":\"again\","
            + "\"scope\":\"Ip\",\"type\":\"ban\",\"value\":\"198.51.100.10\"}";
    private static final String NOTHING = "{\"deleted\":null,\"new\":null}";

    /** One request as the fake LAPI saw it; remotePort tells whether the connection was reused. */
    record Seen(String method, String uri, Map<String, List<String>> headers, int remotePort) {
    }

    private HttpServer server;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Function<Seen, Reply> replies;

    record Reply(int status, String body) {
    }

    @BeforeEach
    void startFakeLapi() throws IOException {
        CustomBouncer.assumeInstalled();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stopFakeLapi() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Seen request = new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    Map.copyOf(exchange.getRequestHeaders()), exchange.getRemoteAddress().getPort());
            seen.add(request);
            Reply reply = replies.apply(request);
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(reply.status(), body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private static String stream(String deleted, String added) {
        return "{\"deleted\":" + (deleted == null ? "null" : "[" + deleted + "]")
                + ",\"new\":" + (added == null ? "null" : "[" + added + "]") + "}";
    }

    @Test
    void scriptReceivesAddThenDeleteThenAddAgain() {
        AtomicInteger polls = new AtomicInteger();
        replies = request -> {
            if (request.uri().endsWith("startup=true")) {
                return new Reply(200, stream(null, NEW_10));
            }
            return switch (polls.incrementAndGet()) {
                case 1 -> new Reply(200, stream(DELETED_10, null));
                case 2 -> new Reply(200, stream(null, NEW_10_AGAIN));
                default -> new Reply(200, NOTHING);
            };
        };
        try (CustomBouncer bouncer = CustomBouncer.start(apiUrl(), KEY, POLL)) {
            bouncer.awaitLine(line -> line.startsWith("add 198.51.100.10 ") && line.contains("again"), WAIT);
            // Seconds left are truncated toward zero; the JSON is the decision as the bouncer re-encodes it.
            assertEquals(List.of(
                    "add 198.51.100.10 14398 test " + NEW_10,
                    "del 198.51.100.10 -9 test " + DELETED_10,
                    "add 198.51.100.10 3600 again " + NEW_10_AGAIN), bouncer.lines(), bouncer.diagnostics());

            // Startup once, then plain polls with an empty query (no startup=false), all GET with the key.
            assertEquals("/v1/decisions/stream?startup=true", seen.get(0).uri());
            for (Seen request : seen) {
                assertEquals("GET", request.method());
                assertEquals(List.of(KEY), request.headers().get("X-api-key"));
                assertEquals(List.of("crowdsec-custom-bouncer/-"), request.headers().get("User-agent"));
            }
            assertTrue(seen.size() >= 3, seen::toString);
            seen.subList(1, seen.size()).forEach(r -> assertEquals("/v1/decisions/stream?", r.uri()));
            // One keep-alive connection for all polls.
            assertEquals(1, seen.stream().map(Seen::remotePort).distinct().count(), seen::toString);
            System.out.println("Fake LAPI saw:\n" + seen.stream().limit(3)
                    .map(r -> r.method() + " " + r.uri() + " " + r.headers() + " from port " + r.remotePort())
                    .collect(Collectors.joining("\n")));
        }
    }

    @Test
    void forbiddenAtStartupIsLoggedAndNeverRetried() throws InterruptedException {
        replies = request -> new Reply(403, "{\"message\":\"access forbidden\"}");
        try (CustomBouncer bouncer = CustomBouncer.start(apiUrl(), "wrong-key", POLL)) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!bouncer.log().contains("access forbidden") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(bouncer.log().contains("level=error msg=\"API error: access forbidden\""),
                    bouncer.diagnostics());
            // Five update intervals later: still no second request, and the process neither exits nor retries.
            Thread.sleep(POLL.toMillis() * 5);
            assertEquals(1, seen.size(), seen::toString);
            assertTrue(bouncer.isAlive(), bouncer.diagnostics());
            assertTrue(bouncer.lines().isEmpty(), bouncer.diagnostics());
        }
    }

    @Test
    void durationsScopesAndAddressFamiliesAsTheBouncerPassesThem() {
        String decisions = String.join(",",
                decision(1, "-5.5s", "Ip", "198.51.100.1"),
                decision(2, "0.999s", "Ip", "198.51.100.2"),
                decision(3, "3h59m58.539897482s", "Ip", "198.51.100.3"),
                decision(4, "1d", "Ip", "198.51.100.4"),
                decision(5, "1h", "Range", "198.51.100.0/24"),
                decision(6, "1h", "Range", "2001:db8::/32"),
                decision(7, "87600h0m0s", "Ip", "2001:db8::1"));
        replies = request -> new Reply(200, request.uri().endsWith("startup=true")
                ? "{\"deleted\":null,\"new\":[" + decisions + "]}" : NOTHING);
        try (CustomBouncer bouncer = CustomBouncer.start(apiUrl(), KEY, POLL)) {
            // Decisions are run in order, so the last one marks the end of the batch.
            bouncer.awaitLine(line -> line.startsWith("add 2001:db8::1 "), WAIT);
            List<String> args = bouncer.lines().stream()
                    .map(line -> line.substring(0, line.indexOf(" {")))
                    .toList();
            assertEquals(List.of(
                    "add 198.51.100.1 -5 test",
                    "add 198.51.100.2 0 test",
                    "add 198.51.100.3 14398 test",
                    "add 198.51.100.0/24 3600 test",
                    "add 2001:db8::/32 3600 test",
                    "add 2001:db8::1 315360000 test"), args, bouncer.diagnostics());
            // Only Go duration units (h, m, s, ms, ...): "1d" drops that decision with an error, the rest go on.
            assertTrue(bouncer.log().contains("unable to insert decision for '198.51.100.4': time: unknown unit"),
                    bouncer.diagnostics());
            assertFalse(bouncer.lines().stream().anyMatch(line -> line.contains("198.51.100.4 ")));
        }
    }

    private static String decision(int id, String duration, String scope, String value) {
        return "{\"duration\":\"" + duration + "\",\"id\":" + id + ",\"origin\":\"cscli\",\"scenario\":\"test\","
                + "\"scope\":\"" + scope + "\",\"type\":\"ban\",\"value\":\"" + value + "\"}";
    }
}
