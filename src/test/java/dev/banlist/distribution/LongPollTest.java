package dev.banlist.distribution;

import static dev.banlist.support.TestSupport.metric;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/** Thousands of long polls on one replica: one ban reaches each once, from memory, without a database read each. */
@QuarkusTest
@TestProfile(LongPollTest.TwoThousandWaiters.class)
class LongPollTest {

    static final int WAITERS = 2000;

    public static class TwoThousandWaiters implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("banlist.distribution.max-waiters", Integer.toString(WAITERS), "banlist.sources.schedule-tick", "1h");
        }
    }

    private static HttpRequest poll(String cursor) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/v1/stream?wait=60s&since=" + cursor))
                .header("X-Api-Key", TestSupport.ADMIN_KEY).timeout(Duration.ofSeconds(120)).build();
    }

    @Test
    void twoThousandWaitersEachGetOneBanOnceWithoutADatabaseReadEach() throws Exception {
        String cursor = StreamTest.snapshot().getString("cursor");
        double reads = metric("banlist_stream_database_reads_total");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
        List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            polls.add(client.sendAsync(poll(cursor), HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> metric("banlist_stream_waiters") >= WAITERS || polls.stream().anyMatch(CompletableFuture::isDone));
        assertTrue(polls.stream().noneMatch(CompletableFuture::isDone), "no poll was answered before the ban");

        // One more than the limit: told to come back later, not answered empty at once (a tight loop).
        HttpResponse<String> over = client.send(poll(cursor), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, over.statusCode(), over.body());
        assertEquals("TOO_MANY_WAITERS", JsonPath.from(over.body()).getString("error_code"));
        int retryAfter = Integer.parseInt(over.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 5, "Retry-After " + retryAfter);

        StreamTest.ban("198.18.91.121", ",\"duration\":\"1h\"");
        CompletableFuture.allOf(polls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        for (CompletableFuture<HttpResponse<String>> poll : polls) {
            HttpResponse<String> response = poll.get();
            assertEquals(200, response.statusCode(), response.body());
            List<String> values = JsonPath.from(response.body()).getList("new.value", String.class);
            assertEquals(1, values.stream().filter("198.18.91.121"::equals).count(), response.body());
        }
        assertEquals(reads, metric("banlist_stream_database_reads_total"),
                "the waiters were answered from the changes the index read, not each from the database");
    }
}
