package dev.banlist.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Two packaged replicas on one database: a long poll on one is woken by a ban committed through the other
 * (LISTEN/NOTIFY), and each replica's index, which answers checks, follows the other's writes within moments.
 */
class IndexAcrossInstancesIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aBanOnOneReplicaWakesALongPollAndReachesTheOthersIndex() throws Exception {
        Map<String, String> db = TestDatabase.coordinates();
        try (PackagedService one = new PackagedService(env(db, "it-index-one"));
                PackagedService two = new PackagedService(env(db, "it-index-two"))) {
            ServiceApi apiOne = new ServiceApi(one).awaitReady(TIMEOUT);
            ServiceApi apiTwo = new ServiceApi(two).awaitReady(TIMEOUT);
            String cursor = apiTwo.get("/api/v1/stream").path("cursor").asText();

            long started = System.nanoTime();
            CompletableFuture<JsonNode> poll = CompletableFuture.supplyAsync(
                    () -> apiTwo.get("/api/v1/stream?wait=25s&since=" + cursor));
            Thread.sleep(1000);
            assertTrue(!poll.isDone(), "the long poll waits");
            long posted = System.nanoTime();
            apiOne.post("/api/v1/decisions", "{\"value\":\"198.51.100.250\",\"duration\":\"1h\"}", 201);
            JsonNode page = poll.get(30, TimeUnit.SECONDS);
            long wokenAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - posted);
            assertEquals("198.51.100.250", page.path("new").path(0).path("value").asText(), page.toString());
            assertTrue(wokenAfterMs < 10_000, "woken by the commit on the other replica, not by the 25 s wait: "
                    + wokenAfterMs + " ms (" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms in all)");

            long seenAfterMs = awaitBanned(apiTwo, "198.51.100.250", true);
            System.out.printf("long poll woken %d ms after the ban; the other replica's check saw it after %d ms%n",
                    wokenAfterMs, seenAfterMs);

            apiTwo.delete("/api/v1/decisions?value=198.51.100.250");
            awaitBanned(apiOne, "198.51.100.250", false);
        }
    }

    /** Milliseconds until the replica's check answers {@code banned}. */
    private static long awaitBanned(ServiceApi api, String ip, boolean banned) throws InterruptedException {
        long start = System.nanoTime();
        while (api.get("/api/v1/check?ip=" + ip).path("banned").asBoolean() != banned) {
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), ip + " never became banned=" + banned);
            Thread.sleep(20);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static Map<String, String> env(Map<String, String> db, String instance) {
        Map<String, String> env = new HashMap<>(db);
        env.put("BANLIST_ADMIN_KEY", ServiceApi.ADMIN_KEY);
        env.put("BANLIST_INSTANCE", instance);
        return env;
    }
}
