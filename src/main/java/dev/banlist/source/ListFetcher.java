package dev.banlist.source;

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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

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
 */
@ApplicationScoped
public class ListFetcher {

    /** Receives the body chunk by chunk. */
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
                            .setDecompressionSupported(true)
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
        for (int hop = 0; ; hop++) {
            Hop result = hop(uri, etag, lastModified, consumer);
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
            long contentLength) {
    }

    private Hop hop(URI uri, String etag, String lastModified, BodyConsumer consumer) {
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
                .putHeader(HttpHeaders.ACCEPT, "text/plain, application/json;q=0.9, */*;q=0.5");
        if (etag != null) {
            options.putHeader(HttpHeaders.IF_NONE_MATCH, etag);
        }
        if (lastModified != null) {
            options.putHeader(HttpHeaders.IF_MODIFIED_SINCE, lastModified);
        }
        AtomicReference<Head> head = new AtomicReference<>();
        // Read timeout: the longest silence, waiting for the answer or between two chunks of its body.
        java.util.concurrent.atomic.AtomicLong lastData = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        java.util.concurrent.atomic.AtomicBoolean silent = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicReference<HttpClientRequest> request = new AtomicReference<>();
        // The body handler is attached on the event loop in the same step that delivers the response, so no
        // chunk can arrive before anyone listens.
        Multi<Buffer> body = client().request(options)
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
                    return response.toMulti().onItem().invoke(chunk -> lastData.set(System.nanoTime()));
                });
        long readTimeoutNanos = config.readTimeout().toNanos();
        long watchdog = vertx.setPeriodic(Math.max(50, config.readTimeout().toMillis() / 4), id -> {
            if (System.nanoTime() - lastData.get() > readTimeoutNanos && silent.compareAndSet(false, true)) {
                HttpClientRequest req = request.get();
                if (req != null) {
                    req.reset(0, new TimeoutException("read timeout"));
                }
            }
        });
        MessageDigest sha256 = sha256();
        long bytes = 0;
        try (Stream<Buffer> chunks = body.subscribe().asStream(16, () -> new java.util.concurrent.ArrayBlockingQueue<>(16))) {
            Iterator<Buffer> it = chunks.iterator();
            while (it.hasNext()) {
                byte[] chunk = it.next().getBytes();
                bytes += chunk.length;
                if (bytes > config.maxBodySize().asLongValue()) {
                    HttpClientRequest req = request.get();
                    if (req != null) {
                        req.reset();
                    }
                    throw tooLarge();
                }
                sha256.update(chunk);
                consumer.accept(chunk, 0, chunk.length);
            }
        } catch (ImportFailure e) {
            throw e;
        } catch (RuntimeException e) {
            if (silent.get()) {
                throw new ImportFailure(Code.UPSTREAM_TIMEOUT, head.get() != null
                        ? "The upstream stopped sending the list for " + Durations.format(config.readTimeout())
                        : "No answer within " + Durations.format(config.readTimeout()));
            }
            throw classify(e, head.get() != null);
        } finally {
            vertx.cancelTimer(watchdog);
        }
        Head h = head.get();
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
        return new Hop(new Fetched(200, bytes, HexFormat.of().formatHex(sha256.digest()), h.etag, h.lastModified),
                null, 200);
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
                response.getHeader("Location"), response.getHeader("Retry-After"), length);
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
