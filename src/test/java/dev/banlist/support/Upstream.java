package dev.banlist.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on loopback standing in for a blocklist upstream: it serves lists (with ETag and
 * conditional GET), error statuses, slow, truncated and compressed bodies, and records what it was asked.
 */
public final class Upstream implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, HttpHandler> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    /** A request as the upstream saw it. */
    public record Request(String path, Headers headers) {
    }

    public Upstream() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            requests.add(new Request(exchange.getRequestURI().getPath(), exchange.getRequestHeaders()));
            HttpHandler handler = routes.get(exchange.getRequestURI().getPath());
            try {
                if (handler == null) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    handler.handle(exchange);
                }
            } catch (IOException e) {
                // the client went away
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Serves the body with an ETag (its SHA-256) and answers 304 to a matching If-None-Match. */
    public void list(String path, byte[] body) {
        String etag = "\"" + sha256(body) + "\"";
        routes.put(path, exchange -> {
            if (etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.getResponseHeaders().add("ETag", etag);
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            exchange.getResponseHeaders().add("ETag", etag);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            send(exchange, 200, body);
        });
    }

    public void list(String path, String body) {
        list(path, body.getBytes(StandardCharsets.US_ASCII));
    }

    /** Serves the body without validators, so every fetch downloads it. */
    public void plain(String path, byte[] body) {
        routes.put(path, exchange -> send(exchange, 200, body));
    }

    /** Serves the body gzip-compressed (Content-Encoding: gzip) when the client accepts it. */
    public void gzip(String path, byte[] body) {
        routes.put(path, exchange -> {
            String accept = exchange.getRequestHeaders().getFirst("Accept-Encoding");
            if (accept == null || !accept.contains("gzip")) {
                send(exchange, 200, body);
                return;
            }
            var buffer = new java.io.ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(buffer)) {
                gz.write(body);
            }
            exchange.getResponseHeaders().add("Content-Encoding", "gzip");
            send(exchange, 200, buffer.toByteArray());
        });
    }

    public void status(String path, int status, String... headerPairs) {
        routes.put(path, exchange -> {
            for (int i = 0; i + 1 < headerPairs.length; i += 2) {
                exchange.getResponseHeaders().add(headerPairs[i], headerPairs[i + 1]);
            }
            send(exchange, status, ("status " + status + "\n").getBytes(StandardCharsets.US_ASCII));
        });
    }

    /** Announces the full length, sends the first {@code sent} bytes and closes the connection. */
    public void truncated(String path, byte[] body, int sent) {
        routes.put(path, exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            OutputStream out = exchange.getResponseBody();
            out.write(body, 0, sent);
            out.flush();
            // closing the exchange now leaves the body short: the client sees the connection end early
            throw new IOException("truncated on purpose");
        });
    }

    /** Sends the first {@code sent} bytes, then goes silent for {@code stallMillis}. */
    public void stalling(String path, byte[] body, int sent, long stallMillis) {
        routes.put(path, exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            OutputStream out = exchange.getResponseBody();
            out.write(body, 0, sent);
            out.flush();
            try {
                Thread.sleep(stallMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write(body, sent, body.length - sent);
        });
    }

    public void redirect(String path, String location) {
        status(path, 302, "Location", location);
    }

    public void handler(String path, HttpHandler handler) {
        routes.put(path, handler);
    }

    public List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    public static byte[] resource(String name) {
        try (InputStream in = Upstream.class.getResourceAsStream("/blocklists/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test list " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
