package dev.banlist.distribution.export;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.banlist.distribution.BulkReaders;

/**
 * Exports are rendered on the bulk workers, once per request shape and index state; whole-set readers beyond the
 * workers and their queue are answered 503 with Retry-After. Uses 198.18.240.0/24 and export shapes (nginx,
 * ipset names) no other test asks for.
 */
@QuarkusTest
class ExportServiceTest {

    @Inject
    ExportService exports;

    @Inject
    BulkReaders bulk;

    private static void ban(String value) {
        admin().contentType("application/json").body("{\"value\":\"" + value + "\",\"duration\":\"1h\"}")
                .post("/api/v1/decisions").then().statusCode(201);
    }

    @Test
    void anExportIsRenderedOffTheEventLoopAndARepeatOrARevalidationIsAnsweredFromTheCache() {
        ban("198.18.240.1");
        String url = "/api/v1/export?format=nginx&aggregate=true&name=cachetest";
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Response first = admin().get(url);
            first.then().statusCode(200);
            assertTrue(first.asString().contains("deny 198.18.240.1;"), first.asString());
            String etag = first.header("ETag");
            double renders = exports.renders();
            Response again = admin().get(url);
            again.then().statusCode(200).header("ETag", etag);
            assertEquals(first.asString(), again.asString());
            admin().header("If-None-Match", etag).get(url).then().statusCode(304).header("ETag", etag);
            assertEquals(renders, exports.renders(), "the repeat and the 304 rendered nothing");
        });
        assertTrue(exports.renders() > 0);
        assertFalse(exports.renderedOnEventLoop(), "an export was rendered on an event-loop thread");

        // A change of the index is seen at once: the next export renders again and holds it.
        double before = exports.renders();
        ban("198.18.240.2");
        String body = admin().get(url).then().statusCode(200).extract().asString();
        assertTrue(body.contains("deny 198.18.240.2;"), body);
        assertTrue(exports.renders() > before);
    }

    @Test
    void concurrentIdenticalExportsShareOneRenderingAndBulkReadersBeyondTheQueueGet503WithRetryAfter() throws Exception {
        ban("198.18.240.9");
        // Renderings of earlier requests (other classes share this application) finish before the workers fill.
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> bulk.active() == 0 && bulk.queued() == 0);
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<Void>> blockers = new ArrayList<>();
        try {
            // Two workers and a queue of eight (the defaults): the first two blockers run, the next seven queue.
            for (int i = 0; i < 9; i++) {
                blockers.add(bulk.submit("test", () -> {
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return (Void) null;
                }).subscribeAsCompletionStage());
            }
            String url = "/api/v1/export?format=ipset&name=sharedtest";
            double renders = exports.renders();
            List<CompletableFuture<Response>> waiting = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                waiting.add(CompletableFuture.supplyAsync(() -> admin().get(url)));
            }
            // One rendering queued for the five fills the queue; another shape cannot queue any more.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> bulk.queued() == 8);
            Response busy = admin().get("/api/v1/export?format=ipset&name=othertest");
            busy.then().statusCode(503).body("error_code", equalTo("BULK_READERS_BUSY")).header("Retry-After", "5");
            release.countDown();
            String etag = null;
            for (CompletableFuture<Response> response : waiting) {
                Response r = response.get(60, TimeUnit.SECONDS);
                r.then().statusCode(200);
                assertTrue(r.asString().contains("add sharedtest-v4 198.18.240.9 -exist"));
                etag = etag == null ? r.header("ETag") : etag;
                assertEquals(etag, r.header("ETag"));
            }
            assertEquals(renders + 1, exports.renders(), "five requests, one rendering");
        } finally {
            release.countDown();
            for (CompletableFuture<Void> blocker : blockers) {
                blocker.get(60, TimeUnit.SECONDS);
            }
        }
    }
}
