package dev.banlist.source;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import javax.net.ssl.SSLException;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientRequest;
import io.vertx.mutiny.core.http.HttpClientResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.banlist.config.BanlistConfig;
import dev.banlist.source.ImportFailure.Code;

/**
 * Downloads a list with Vert.x's HTTP client and hands its (decompressed) bytes to a consumer as they arrive.
 * Blocking: call it from a worker thread. Redirects are followed here, each target checked like the source URL.
 * A fetch ends at the first of: the body read, {@code max-body-size} passed, {@code read-timeout} of silence,
 * {@code fetch-timeout} in all, or a failure thrown by the consumer (such as {@code TOO_MANY_ENTRIES}).
 */
@ApplicationScoped
public class ListFetcher {

    /** Bytes handed to the consumer per call, decompressed or not. */
    static final int READ_BUFFER = 64 * 1024;

    /** Receives the body chunk by chunk, at most {@link #READ_BUFFER} bytes, valid only during the call. */
    interface BodyConsumer {
        void accept(byte[] bytes, int offset, int length);
    }

    /** What the upstream answered. A 200's body went to the consumer; a 304 has none. */
    record Fetched(int httpStatus, long bytes, String sha256, String etag, String lastModified) {
        boolean notModified() {
            return httpStatus == 304;
        }
    }

    private final Vertx vertx;
    private final UpstreamAddresses addresses;
    private final BanlistConfig.Sources config;
    private final String userAgent;
    private volatile HttpClient client;

    ListFetcher(Vertx vertx, UpstreamAddresses addresses, BanlistConfig config,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this.vertx = vertx;
        this.addresses = addresses;
        this.config = config.sources();
        this.userAgent = "banlist/" + version + " (blocklist importer)";
    }

    private HttpClient client() {
        if (client == null) {
            synchronized (this) {
                if (client == null) {
                    client = vertx.createHttpClient(new HttpClientOptions()
                            .setDecompressionSupported(false) // see readBody
                            .setVerifyHost(true)
                            .setMaxPoolSize(8)
                            .setKeepAlive(true));
                }
            }
        }
        return client;
    }

    void stop(@Observes ShutdownEvent event) {
        if (client != null) {
            client.closeAndForget();
        }
    }

    Fetched fetch(String url, String etag, String lastModified, BodyConsumer consumer) {
        URI uri = UpstreamAddresses.parse(url);
        // One deadline for the whole fetch, redirects included: the read timeout alone is reset by every byte.
        long deadline = System.nanoTime() + config.fetchTimeout().toNanos();
        for (int hop = 0; ; hop++) {
            Hop result = hop(uri, etag, lastModified, deadline, consumer);
            if (result.redirect == null) {
                return result.fetched;
            }
            if (hop >= config.maxRedirects()) {
                throw new ImportFailure(Code.TOO_MANY_REDIRECTS, "More than " + config.maxRedirects()
                        + " redirects, the last to " + result.redirect, result.status, null);
            }
            try {
                uri = UpstreamAddresses.parse(uri.resolve(result.redirect).toString());
            } catch (IllegalArgumentException | UpstreamAddresses.RefusedUrlException e) {
                throw new ImportFailure(Code.UPSTREAM_HTTP_ERROR, "Redirect to an unusable URL: " + result.redirect,
                        result.status, null);
            }
        }
    }

    private record Hop(Fetched fetched, String redirect, int status) {
    }

    private record Head(int status, String etag, String lastModified, String location, String retryAfter,
            long contentLength, String contentEncoding) {
        boolean gzip() {
            return contentEncoding != null && (contentEncoding.equalsIgnoreCase("gzip")
                    || contentEncoding.equalsIgnoreCase("x-gzip"));
        }

        boolean unsupportedEncoding() {
            return contentEncoding != null && !gzip() && !contentEncoding.equalsIgnoreCase("identity");
        }
    }

    private record Body(long bytes, String sha256) {
    }

    /** One request: sends it, reads its (decompressed) body into the consumer, and tells what was answered. */
    private Hop hop(URI uri, String etag, String lastModified, long deadline, BodyConsumer consumer) {
        Transfer transfer = new Transfer(deadline);
        long period = Math.max(50, Math.min(config.readTimeout().toMillis(), config.fetchTimeout().toMillis()) / 4);
        long watchdog = vertx.setPeriodic(period, id -> transfer.watch());
        Body body;
        try (Stream<Buffer> chunks = transfer.send(requestOptions(uri, etag, lastModified)).subscribe()
                .asStream(16, () -> new ArrayBlockingQueue<>(16))) {
            body = readBody(transfer, chunks.iterator(), consumer);
        } catch (RuntimeException e) {
            transfer.abort(); // the connection is not reused with a body half read
            throw transfer.failure(e);
        } finally {
            vertx.cancelTimer(watchdog);
        }
        return outcome(uri, transfer.head.get(), etag, lastModified, body);
    }

    private RequestOptions requestOptions(URI uri, String etag, String lastModified) {
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() > 0 ? uri.getPort() : (https ? 443 : 80);
        InetAddress address;
        try {
            address = addresses.resolve(uri);
        } catch (UnknownHostException e) {
            throw new ImportFailure(Code.DNS_FAILURE, "Cannot resolve " + uri.getHost());
        } catch (UpstreamAddresses.RefusedUrlException e) {
            throw new ImportFailure(Code.FORBIDDEN_ADDRESS, "Refused: " + e.getMessage());
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(uri.getHost())
                .setPort(port)
                .setURI(path)
                .setSsl(https)
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                .setFollowRedirects(false)
                .setConnectTimeout(config.connectTimeout().toMillis())
                .setIdleTimeout(config.readTimeout().toMillis())
                .putHeader(HttpHeaders.USER_AGENT, userAgent)
                .putHeader(HttpHeaders.ACCEPT, "text/plain, application/json;q=0.9, */*;q=0.5")
                // decompressed here, on the import thread, a bounded buffer at a time (see readBody)
                .putHeader(HttpHeaders.ACCEPT_ENCODING, "gzip");
        if (etag != null) {
            options.putHeader(HttpHeaders.IF_NONE_MATCH, etag);
        }
        if (lastModified != null) {
            options.putHeader(HttpHeaders.IF_MODIFIED_SINCE, lastModified);
        }
        return options;
    }

    /**
     * Hands the body to the consumer at most {@link #READ_BUFFER} bytes at a time, decompressing a gzip body on
     * the way: the inflater never produces more than one buffer per read, so a gzip bomb costs one buffer and
     * fails at {@code max-body-size}. Both the raw and the decompressed bytes are limited.
     */
    private Body readBody(Transfer transfer, Iterator<Buffer> chunks, BodyConsumer consumer) {
        MessageDigest sha256 = sha256();
        long limit = config.maxBodySize().asLongValue();
        ChunkStream raw = new ChunkStream(transfer, chunks, limit);
        if (!raw.hasBody()) {
            return new Body(0, HexFormat.of().formatHex(sha256.digest())); // not a 200, or an empty body
        }
        byte[] buffer = new byte[READ_BUFFER];
        long bytes = 0;
        try (InputStream in = transfer.head.get().gzip() ? new GZIPInputStream(raw, READ_BUFFER) : raw) {
            for (int n; (n = in.read(buffer)) != -1; ) {
                bytes += n;
                if (bytes > limit) {
                    throw tooLarge();
                }
                sha256.update(buffer, 0, n);
                consumer.accept(buffer, 0, n);
            }
        } catch (EOFException e) {
            throw new ImportFailure(Code.UPSTREAM_TRUNCATED, "The compressed list ended early", 200, null);
        } catch (IOException e) {
            throw new ImportFailure(Code.UPSTREAM_HTTP_ERROR, "The list is not valid gzip: " + e.getMessage(),
                    200, null);
        }
        return new Body(bytes, HexFormat.of().formatHex(sha256.digest()));
    }

    private Hop outcome(URI uri, Head h, String etag, String lastModified, Body body) {
        if (h == null) {
            throw new ImportFailure(Code.UPSTREAM_UNREACHABLE, "No response from " + uri.getHost());
        }
        if (h.status >= 300 && h.status < 400 && h.status != 304) {
            if (h.location == null) {
                throw new ImportFailure(Code.UPSTREAM_HTTP_ERROR, "HTTP " + h.status + " without a Location",
                        h.status, null);
            }
            return new Hop(null, h.location, h.status);
        }
        if (h.status == 304) {
            return new Hop(new Fetched(304, 0, null, h.etag != null ? h.etag : etag,
                    h.lastModified != null ? h.lastModified : lastModified), null, 304);
        }
        if (h.status == 404 || h.status == 410) {
            throw new ImportFailure(Code.UPSTREAM_GONE, "HTTP " + h.status + " from " + uri.getHost(), h.status, null);
        }
        if (h.status == 429 || h.status == 503) {
            Duration retryAfter = retryAfter(h.retryAfter);
            throw new ImportFailure(h.status == 429 ? Code.UPSTREAM_RATE_LIMITED : Code.UPSTREAM_HTTP_ERROR,
                    "HTTP " + h.status + " from " + uri.getHost()
                            + (retryAfter != null ? ", retry after " + retryAfter.toSeconds() + "s" : ""),
                    h.status, retryAfter);
        }
        if (h.status != 200) {
            throw new ImportFailure(Code.UPSTREAM_HTTP_ERROR, "HTTP " + h.status + " from " + uri.getHost(),
                    h.status, null);
        }
        return new Hop(new Fetched(200, body.bytes, body.sha256, h.etag, h.lastModified), null, 200);
    }

    /**
     * One request's state, shared by the import thread that reads the body, the event loop that delivers it and
     * the watchdog timer that ends it when the upstream is silent too long or the fetch's deadline passes.
     */
    private final class Transfer {
        private final long deadline;
        private final AtomicReference<HttpClientRequest> request = new AtomicReference<>();
        private final AtomicReference<Head> head = new AtomicReference<>();
        private final AtomicReference<Code> expired = new AtomicReference<>();
        /** Whether the watchdog reset the request: only then is the failure that follows a timeout of ours. */
        private volatile boolean reset;
        private volatile long lastData = System.nanoTime();
        /** When the reader began to wait for the upstream, 0 while it is busy with what it has. */
        private volatile long waitingSince = System.nanoTime();

        Transfer(long deadline) {
            this.deadline = deadline;
        }

        /** The body handler is attached in the same event-loop step that delivers the response: no chunk is lost. */
        Multi<Buffer> send(RequestOptions options) {
            return client().request(options)
                    .onItem().transformToUni(req -> {
                        request.set(req);
                        return req.send();
                    })
                    .onItem().transformToMulti(response -> {
                        Head h = head(response);
                        head.set(h);
                        // A reset below is ours; its echo on the response is no news.
                        response.exceptionHandler(ignored -> { });
                        if (h.status != 200) {
                            // drain (and drop) an error page so that the connection can be reused
                            return response.end().onItem().transformToMulti(v -> Multi.createFrom().<Buffer>empty());
                        }
                        if (h.contentLength > config.maxBodySize().asLongValue()) {
                            response.request().reset();
                            return Multi.createFrom().failure(tooLarge());
                        }
                        if (h.unsupportedEncoding()) {
                            response.request().reset();
                            return Multi.createFrom().failure(new ImportFailure(Code.UPSTREAM_HTTP_ERROR,
                                    "Unsupported Content-Encoding " + h.contentEncoding, 200, null));
                        }
                        return response.toMulti().onItem().invoke(chunk -> lastData = System.nanoTime());
                    });
        }

        /** Blocks the reader until the upstream sends the next chunk or the body ends. */
        boolean awaitChunk(Iterator<Buffer> chunks) {
            waitingSince = System.nanoTime();
            try {
                return chunks.hasNext();
            } finally {
                waitingSince = 0;
            }
        }

        /**
         * On the watchdog timer: the read timeout is the longest the reader waits in silence (time it spends
         * parsing what it has is not the upstream's), the deadline the longest the whole fetch may take.
         */
        void watch() {
            long now = System.nanoTime();
            long waiting = waitingSince;
            if (now - deadline > 0) {
                expired.compareAndSet(null, Code.FETCH_TIMEOUT);
            } else if (waiting != 0 && now - Math.max(waiting, lastData) > config.readTimeout().toNanos()) {
                expired.compareAndSet(null, Code.UPSTREAM_TIMEOUT);
            }
            if (expired.get() != null && !reset) {
                reset = abort(); // again on the next tick while the connection is being set up
            }
        }

        boolean abort() {
            HttpClientRequest req = request.get();
            if (req != null) {
                req.reset(0, new TimeoutException("aborted"));
            }
            return req != null;
        }

        ImportFailure failure(RuntimeException e) {
            if (e instanceof ImportFailure failure) {
                return failure;
            }
            Code why = reset ? expired.get() : null;
            if (why == Code.FETCH_TIMEOUT) {
                return new ImportFailure(Code.FETCH_TIMEOUT, "The download took longer than "
                        + Durations.format(config.fetchTimeout()) + " (fetch-timeout)");
            }
            if (why == Code.UPSTREAM_TIMEOUT) {
                return new ImportFailure(Code.UPSTREAM_TIMEOUT, head.get() != null
                        ? "The upstream stopped sending the list for " + Durations.format(config.readTimeout())
                        : "No answer within " + Durations.format(config.readTimeout()));
            }
            return classify(e, head.get() != null);
        }
    }

    /** The raw body's chunks as a stream for the decompressor, failing past {@code limit} bytes. */
    private final class ChunkStream extends InputStream {
        private final Transfer transfer;
        private final Iterator<Buffer> chunks;
        private final long limit;
        private Buffer chunk;
        private int position;
        private long total;

        ChunkStream(Transfer transfer, Iterator<Buffer> chunks, long limit) {
            this.transfer = transfer;
            this.chunks = chunks;
            this.limit = limit;
        }

        /** Waits for the answer: false when it has no body (not a 200, or empty). */
        boolean hasBody() {
            return transfer.awaitChunk(chunks);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            while (chunk == null || position == chunk.length()) {
                if (!transfer.awaitChunk(chunks)) {
                    return -1;
                }
                chunk = chunks.next();
                position = 0;
                total += chunk.length();
                if (total > limit) {
                    throw tooLarge();
                }
            }
            int n = Math.min(len, chunk.length() - position);
            chunk.getBytes(position, position + n, b, off);
            position += n;
            return n;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }
    }

    private static Head head(HttpClientResponse response) {
        long length = -1;
        String cl = response.getHeader("Content-Length");
        // With a compressed body Content-Length counts compressed bytes; the limit applies to what we read.
        if (cl != null && response.getHeader("Content-Encoding") == null) {
            try {
                length = Long.parseLong(cl.trim());
            } catch (NumberFormatException ignored) {
                // the body is counted as it arrives
            }
        }
        return new Head(response.statusCode(), response.getHeader("ETag"), response.getHeader("Last-Modified"),
                response.getHeader("Location"), response.getHeader("Retry-After"), length,
                response.getHeader("Content-Encoding"));
    }

    private ImportFailure tooLarge() {
        return new ImportFailure(Code.SOURCE_TOO_LARGE,
                "The list is larger than " + config.maxBodySize().asLongValue() + " bytes", 200, null);
    }

    /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (java.time.format.DateTimeParseException ignored) {
                return null;
            }
        }
    }

    private static ImportFailure classify(Throwable failure, boolean responseStarted) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof SSLException) {
                return new ImportFailure(Code.TLS_FAILURE, "TLS failed: " + message);
            }
            if (t instanceof TimeoutException || t instanceof io.netty.channel.ConnectTimeoutException
                    || t.getClass().getSimpleName().contains("Timeout") || message.contains("timeout")
                    || message.contains("timed out")) {
                return new ImportFailure(Code.UPSTREAM_TIMEOUT, responseStarted
                        ? "The upstream stopped sending the list (read timeout)" : "Connecting timed out");
            }
            if (t instanceof java.net.ConnectException) {
                return new ImportFailure(Code.UPSTREAM_UNREACHABLE, "Connection failed: " + message);
            }
            if (t instanceof UnknownHostException) {
                return new ImportFailure(Code.DNS_FAILURE, "Cannot resolve the host");
            }
            if (t instanceof ClosedChannelException || t instanceof io.vertx.core.http.HttpClosedException
                    || message.contains("closed")) {
                return new ImportFailure(responseStarted ? Code.UPSTREAM_TRUNCATED : Code.UPSTREAM_UNREACHABLE,
                        responseStarted ? "The connection closed before the list was complete"
                                : "The upstream closed the connection");
            }
        }
        return new ImportFailure(responseStarted ? Code.UPSTREAM_TRUNCATED : Code.UPSTREAM_UNREACHABLE,
                "Download failed: " + failure.getClass().getSimpleName());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
