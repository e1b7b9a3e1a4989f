package dev.banlist.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.support.Upstream;

/** An upstream that drips its list a byte at a time, each just before the read timeout, never finishing. */
@QuarkusTest
@TestProfile(FetchDeadlineTest.ShortDeadline.class)
class FetchDeadlineTest {

    public static class ShortDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // a byte every second keeps the read timeout from firing (generous: the machine may be loaded)
            return Map.of("banlist.sources.read-timeout", "5s", "banlist.sources.fetch-timeout", "12s");
        }
    }

    static final Upstream UPSTREAM = new Upstream();
    static final byte[] FEODO = Upstream.resource("feodo.ipset");

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    @Test
    void aSlowDripFailsTheRunAtTheFetchDeadlineAndFreesTheSource() throws Exception {
        UPSTREAM.plain("/drip", FEODO);
        long id = Sources.create("slow-drip", UPSTREAM.url("/drip"), "plain");
        assertEquals("success", Sources.run(id).getString("status"));

        CompletableFuture<String> dripEnded = new CompletableFuture<>();
        UPSTREAM.handler("/drip", exchange -> {
            try {
                exchange.sendResponseHeaders(200, FEODO.length);
                OutputStream out = exchange.getResponseBody();
                long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                for (int i = 0; i < FEODO.length && System.nanoTime() < until; i++) {
                    out.write(FEODO[i]);
                    out.flush();
                    Thread.sleep(1000);
                }
                dripEnded.complete("the drip ran out");
            } catch (IOException e) {
                dripEnded.complete("the client hung up");
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        JsonPath run = Sources.run(id);
        assertEquals("failed", run.getString("status"));
        assertEquals("FETCH_TIMEOUT", run.getString("error_code"), run.prettify());
        assertEquals(235, Sources.activeCount("slow-drip"), "nothing of the dripped part is applied");
        assertEquals("the client hung up", dripEnded.get(30, TimeUnit.SECONDS));

        // the source's lock and the import thread are free: the next run starts and finishes
        UPSTREAM.plain("/drip", FEODO);
        assertEquals("unchanged", Sources.run(id).getString("status"));
    }
}
