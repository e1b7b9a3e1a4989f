package dev.banlist.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.support.Upstream;

/**
 * Lists built to exhaust a replica, served for real: a long IPv6 list past {@code max_entries} and a gzip bomb.
 * Each must fail its run early, holding no more than a bounded buffer, and apply nothing.
 */
@QuarkusTest
class HostileListTest {

    static final Upstream UPSTREAM = new Upstream();

    @Inject
    ListFetcher fetcher;

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    @Test
    void anIpv6ListPastMaxEntriesFailsWithoutBeingDownloadedToTheEnd() throws Exception {
        long total = 60L << 20; // under max-body-size: only max_entries can stop it
        CompletableFuture<Long> written = new CompletableFuture<>();
        UPSTREAM.handler("/v6-flood", exchange -> {
            AtomicLong sent = new AtomicLong();
            try {
                exchange.sendResponseHeaders(200, 0); // chunked, counted by the client as it arrives
                OutputStream out = exchange.getResponseBody();
                byte[] block = new byte[20 * 1024];
                for (long line = 0; sent.get() < total; ) {
                    for (int i = 0; i < block.length; i += 20, line++) {
                        System.arraycopy(String.format("2001:db8::%04x:%04x\n", (line >>> 16) & 0xffff,
                                line & 0xffff).getBytes(StandardCharsets.US_ASCII), 0, block, i, 20);
                    }
                    out.write(block);
                    sent.addAndGet(block.length);
                }
                out.close();
            } finally {
                written.complete(sent.get());
            }
        });
        long id = Sources.create("v6-flood", UPSTREAM.url("/v6-flood"), "plain", "\"max_entries\":1000");
        var run = Sources.run(id);
        assertEquals("TOO_MANY_ENTRIES", run.getString("error_code"), run.prettify());
        assertEquals(0, Sources.activeCount("v6-flood"));
        // the client hung up at the entry past the limit; socket buffers hold a few MiB at most
        long sent = written.get(60, TimeUnit.SECONDS);
        assertTrue(sent < total / 2, sent + " of " + total + " bytes were sent");
    }

    @Test
    void aGzipBombFailsAsTooLargeOneBoundedBufferAtATime() throws Exception {
        long inflated = 256L << 20; // four times max-body-size, about 256 KiB compressed
        byte[] bomb = gzipOfZeros(inflated);
        UPSTREAM.handler("/bomb", exchange -> {
            exchange.getResponseHeaders().add("Content-Encoding", "gzip");
            exchange.sendResponseHeaders(200, bomb.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bomb);
            }
        });
        long id = Sources.create("gzip-bomb", UPSTREAM.url("/bomb"), "plain");
        assertEquals("SOURCE_TOO_LARGE", Sources.run(id).getString("error_code"));
        assertEquals(0, Sources.activeCount("gzip-bomb"));

        // the consumer never gets more than one read buffer at a time, nor more than max-body-size in all
        AtomicLong largest = new AtomicLong();
        AtomicLong received = new AtomicLong();
        ImportFailure failure = assertThrows(ImportFailure.class, () -> fetcher.fetch(UPSTREAM.url("/bomb"), null,
                null, (bytes, offset, length) -> {
                    largest.accumulateAndGet(length, Math::max);
                    received.addAndGet(length);
                }));
        assertEquals(ImportFailure.Code.SOURCE_TOO_LARGE, failure.code());
        assertTrue(largest.get() <= ListFetcher.READ_BUFFER, largest.get() + " bytes in one call");
        assertTrue(received.get() <= 64L << 20, received.get() + " bytes in all");
    }

    @Test
    void aBodyThatIsNotGzipAsAnnouncedFailsTheRun() {
        UPSTREAM.handler("/not-gzip", exchange -> {
            byte[] body = "203.0.113.1\n".getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Encoding", "gzip");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        long id = Sources.create("not-gzip", UPSTREAM.url("/not-gzip"), "plain");
        assertEquals("UPSTREAM_HTTP_ERROR", Sources.run(id).getString("error_code"));
    }

    private static byte[] gzipOfZeros(long length) throws IOException {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        byte[] zeros = new byte[1 << 20];
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed, 1 << 16)) {
            for (long n = 0; n < length; n += zeros.length) {
                gzip.write(zeros);
            }
        }
        return compressed.toByteArray();
    }
}
