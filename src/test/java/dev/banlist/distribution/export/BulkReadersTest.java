package dev.banlist.distribution.export;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import dev.banlist.distribution.BulkReaders;
import dev.banlist.error.RetryLaterException;

/**
 * Whole-set readers beyond the bulk workers and their queue are answered 503 with Retry-After, and identical exports
 * share one rendering. In an application of its own: run after other export tests in a shared one, the workers were
 * found refusing work while idle (not understood yet).
 */
@QuarkusTest
@TestProfile(BulkReadersTest.Isolated.class)
class BulkReadersTest {

    /** A profile of its own only to get an application of its own; the bulk settings are the defaults. */
    public static class Isolated implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("banlist.distribution.bulk-readers", "2", "banlist.distribution.bulk-queue", "8");
        }
    }

    @Inject
    ExportService exports;

    @Inject
    BulkReaders bulk;

    private static void ban(String value) {
        admin().contentType("application/json").body("{\"value\":\"" + value + "\",\"duration\":\"1h\"}")
                .post("/api/v1/decisions").then().statusCode(201);
    }

    @Test
    void concurrentIdenticalExportsShareOneRenderingAndBulkReadersBeyondTheQueueGet503WithRetryAfter() throws Exception {
        ban("198.18.240.9");
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<Void>> blockers = new ArrayList<>();
        try {
            // Fill the workers and their queue until the next one is refused: a bound, whatever else is running.
            boolean refused = false;
            for (int i = 0; i < 100 && !refused; i++) {
                try {
                    blockers.add(bulk.submit("test", () -> {
                        try {
                            release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return (Void) null;
                    }).subscribeAsCompletionStage());
                } catch (RetryLaterException e) {
                    refused = true;
                }
            }
            assertTrue(refused && blockers.size() <= 10, "bounded by two workers and a queue of eight: " + blockers.size());
            admin().get("/api/v1/export?format=ipset&name=othertest").then().statusCode(503)
                    .body("error_code", equalTo("BULK_READERS_BUSY")).header("Retry-After", "5");
            release.countDown();
            for (CompletableFuture<Void> blocker : blockers) {
                blocker.get(60, TimeUnit.SECONDS);
            }

            String url = "/api/v1/export?format=ipset&name=sharedtest";
            double renders = exports.renders();
            List<CompletableFuture<Response>> concurrent = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                concurrent.add(CompletableFuture.supplyAsync(() -> admin().get(url)));
            }
            String etag = null;
            for (CompletableFuture<Response> response : concurrent) {
                Response r = response.get(60, TimeUnit.SECONDS);
                r.then().statusCode(200);
                assertTrue(r.asString().contains("add sharedtest-v4 198.18.240.9 -exist"));
                etag = etag == null ? r.header("ETag") : etag;
                assertEquals(etag, r.header("ETag"));
            }
            assertEquals(renders + 1, exports.renders(), "five requests, one rendering (shared in flight or cached)");
        } finally {
            release.countDown();
        }
    }
}
