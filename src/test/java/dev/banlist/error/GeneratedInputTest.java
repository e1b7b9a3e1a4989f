package dev.banlist.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import dev.banlist.net.IpNetwork;
import dev.banlist.net.ProtectedRanges;
import dev.banlist.support.LogCapture;
import dev.banlist.support.RawHttp;
import dev.banlist.support.TestSupport;

/**
 * Generated requests against every endpoint and query parameter, as every role: random JSON, wrong types, huge
 * numbers, NUL characters, unpaired surrogates, overlong strings, invalid UTF-8, malformed percent-encoding,
 * forged cursors, wrong methods and content types. None may answer 5xx, none may carry a stack trace in its body,
 * and the log must hold no error and no stack trace. A 503 is sent again once after a second: the database being
 * slow on a loaded machine passes, an answer the request itself causes repeats and fails the test.
 *
 * <p>Seeded: the seed is printed; {@code -Dgenerated.seed=N} replays a run,
 * {@code -Dgenerated.requests=N} changes its length (also bounded by {@code generated.seconds}).
 * Everything it may create lies in 198.18.222.0/24 and 2001:db8:fa22::/48 or is removed at the end, and it
 * never names another class's decisions, keys or sources.
 */
@QuarkusTest
class GeneratedInputTest {

    private static final IpNetwork OWN_V4 = IpNetwork.parse("198.18.222.0/24");
    private static final IpNetwork OWN_V6 = IpNetwork.parse("2001:db8:fa22::/48");
    private static final Pattern VALID_WAIT = Pattern.compile("\\s*\\d{1,6}(ms|s|m)?\\s*");
    private static final String[] LEAKS = { "Exception", "\tat ", "dev.banlist.", "io.vertx", "java.lang", "SELECT ",
            "INSERT ", "jdbc", "postgresql://", "StackOverflow" };

    @TestHTTPResource("/")
    URL url;

    @Inject
    ProtectedRanges protectedRanges;

    private SplittableRandom random;
    private RawHttp http;
    private final Map<String, String> keys = new LinkedHashMap<>();
    private final List<String> decisionIds = new ArrayList<>();
    private final List<String> keyIds = new ArrayList<>();
    private final List<String> sourceIds = new ArrayList<>();
    private final List<String> cursors = new ArrayList<>();

    @Test
    void noGeneratedRequestGetsA5xxOrAStackTrace() throws Exception {
        long seed = Long.getLong("generated.seed", System.nanoTime());
        int requests = Integer.getInteger("generated.requests", 3000);
        long budgetNanos = Long.getLong("generated.seconds", 75) * 1_000_000_000L;
        System.out.println("GeneratedInputTest seed=" + seed + " (replay with -Dgenerated.seed=" + seed + ")");
        random = new SplittableRandom(seed);
        http = new RawHttp(url);
        keys.put("admin", TestSupport.ADMIN_KEY);
        keys.put("agent", TestSupport.newKey("generated-agent-" + Long.toHexString(seed), "agent"));
        keys.put("enforcer", TestSupport.newKey("generated-enforcer-" + Long.toHexString(seed), "enforcer"));
        keys.put("unknown", "not-a-key-0123456789abcdef");
        String snapshot = TestSupport.admin().get("/api/v1/stream").then().statusCode(200).extract().path("cursor");
        cursors.add(snapshot);

        List<String> failures = new ArrayList<>();
        Map<String, Integer> statuses = new TreeMap<>();
        long start = System.nanoTime();
        int sent = 0;
        int retried = 0;
        try (LogCapture log = LogCapture.open()) {
            for (; sent < requests && System.nanoTime() - start < budgetNanos; sent++) {
                Request r = next();
                RawHttp.Answer a = http.send(r.method, r.target, r.headers, r.body);
                if (a.status() == 503) {
                    // The database too slow on a loaded machine, or the request's own doing: only the latter repeats.
                    retried++;
                    Thread.sleep(1000);
                    a = http.send(r.method, r.target, r.headers, r.body);
                }
                statuses.merge(r.name + " " + a.status(), 1, Integer::sum);
                String problem = check(r, a);
                if (problem != null && failures.size() < 20) {
                    failures.add(problem + "\n    request: " + r);
                }
                remember(r, a);
            }
            cleanUp();
            List<LogCapture.Line> bad = log.lines().stream()
                    .filter(l -> l.level().equals("ERROR") || l.level().equals("SEVERE") || l.level().equals("FATAL")
                            || !l.thrown().isEmpty())
                    .toList();
            for (LogCapture.Line line : bad.subList(0, Math.min(bad.size(), 10))) {
                failures.add("log: " + line.all());
            }
        }
        System.out.println("GeneratedInputTest sent " + sent + " requests in "
                + (System.nanoTime() - start) / 1_000_000 + " ms (" + retried + " sent again after a 503); answers by"
                + " endpoint and status: " + statuses);
        if (!failures.isEmpty()) {
            fail("seed " + seed + ": " + failures.size() + " problems:\n" + String.join("\n", failures));
        }
        assertTrue(sent >= Math.min(requests, 500), "too few requests in the time budget: " + sent);
    }

    /** Why the answer breaks the contract, or null. */
    private static String check(Request r, RawHttp.Answer a) {
        if (a.status() >= 500) {
            return "status " + a.status() + ": " + abbreviate(a.text());
        }
        if (a.status() == 0) {
            return "no answer: " + abbreviate(a.text());
        }
        if (a.status() >= 400) {
            String body = a.text();
            for (String leak : LEAKS) {
                if (body.contains(leak)) {
                    return "status " + a.status() + " leaks '" + leak + "': " + abbreviate(body);
                }
            }
            boolean crowdSec = r.path.startsWith("/v1/");
            boolean codecRejected = body.isEmpty() && (a.status() == 400 || a.status() == 414 || a.status() == 431);
            if (!crowdSec && !codecRejected && !r.method.equals("HEAD") && !body.contains("\"error_code\":\"")) {
                return "status " + a.status() + " without the error body: " + abbreviate(body);
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }

    /** Keeps what was created, to address it again (and remove it at the end), and any stream cursor. */
    private void remember(Request r, RawHttp.Answer a) {
        if (a.status() != 201 && a.status() != 200) {
            return;
        }
        String body = a.text();
        if (r.method.equals("POST") && a.status() == 201) {
            List<String> ids = r.path.equals("/api/v1/decisions") ? decisionIds
                    : r.path.equals("/api/v1/keys") ? keyIds : r.path.equals("/api/v1/sources") ? sourceIds : null;
            if (ids != null) {
                var m = Pattern.compile("\"id\":(\\d+)").matcher(body);
                while (m.find()) {
                    ids.add(m.group(1));
                }
            }
        }
        if (r.path.equals("/api/v1/stream") && cursors.size() < 50) {
            var m = Pattern.compile("\"cursor\":\"([A-Za-z0-9_-]+)\"").matcher(body);
            if (m.find()) {
                cursors.add(m.group(1));
            }
        }
    }

    private void cleanUp() {
        for (String id : decisionIds) {
            TestSupport.admin().delete("/api/v1/decisions/" + id);
        }
        for (String id : sourceIds) {
            TestSupport.admin().delete("/api/v1/sources/" + id);
        }
        for (String id : keyIds) {
            TestSupport.admin().delete("/api/v1/keys/" + id);
        }
        for (String id : sourceIds) {
            assertEquals(404, TestSupport.admin().get("/api/v1/sources/" + id).statusCode(), "source " + id + " left");
        }
    }

    // ---- requests ----------------------------------------------------------------------------------------------

    private static final class Request {
        String name;
        String method;
        String path;
        byte[] target;
        Map<String, byte[]> headers = new LinkedHashMap<>();
        byte[] body;

        @Override
        public String toString() {
            String b = body == null ? "" : " body=" + abbreviate(new String(body, StandardCharsets.UTF_8).replace("\u0000", "\\0"));
            return method + " " + abbreviate(new String(target, StandardCharsets.ISO_8859_1)) + " headers="
                    + headers.keySet() + b;
        }
    }

    private Request next() {
        int pick = random.nextInt(100);
        Request r;
        if (pick < 18) {
            r = postDecisions();
        } else if (pick < 26) {
            r = listDecisions();
        } else if (pick < 30) {
            r = oneDecision();
        } else if (pick < 34) {
            r = unbanMatching();
        } else if (pick < 42) {
            r = check();
        } else if (pick < 49) {
            r = stream();
        } else if (pick < 55) {
            r = export();
        } else if (pick < 62) {
            r = crowdSecLookup();
        } else if (pick < 66) {
            r = crowdSecStream();
        } else if (pick < 71) {
            r = keysRequest();
        } else if (pick < 84) {
            r = sourcesRequest();
        } else if (pick < 90) {
            r = runsRequest();
        } else {
            r = strayRequest();
        }
        authenticate(r);
        if (random.nextInt(10) == 0) {
            r.headers.put("X-Request-Id", bytes(nasty()));
        }
        if (random.nextInt(15) == 0) {
            r.headers.put("Accept", bytes(pickOf("text/html", "*/*", "application/xml", "application/json", "", "\u00e9/\u00e9")));
        }
        return r;
    }

    private void authenticate(Request r) {
        int pick = random.nextInt(20);
        String role = pick < 10 ? "admin" : pick < 14 ? "agent" : pick < 17 ? "enforcer" : pick < 18 ? "unknown" : null;
        if (role == null) {
            if (random.nextBoolean()) {
                r.headers.put("X-Api-Key", bytes(nasty()));
            }
            return;
        }
        if (random.nextInt(4) == 0) {
            r.headers.put("Authorization", bytes("Bearer " + keys.get(role)));
        } else {
            r.headers.put("X-Api-Key", bytes(keys.get(role)));
        }
    }

    private Request request(String name, String method, String path, Map<String, String> query) {
        Request r = new Request();
        r.name = name;
        r.method = method;
        r.path = path;
        StringBuilder target = new StringBuilder(path);
        char sep = '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            target.append(sep).append(e.getKey()).append('=').append(encode(e.getValue()));
            sep = '&';
        }
        r.target = target.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (random.nextInt(25) == 0) {
            r.target = malformTarget(r.target);
        }
        return r;
    }

    /** Percent-encodes UTF-8, now and then leaving a character raw or writing a malformed escape. */
    private String encode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }

    private byte[] malformTarget(byte[] target) {
        String[] junk = { "%", "%G1", "%ff", "%c0%80", "%00", "%e9", "%ed%a0%80", "+", "&&", "=", "&=&", "%25%",
                "\u00ff", "\u0001", "#", "?", "&limit=1&limit=2", "&ip=1.2.3.4" };
        String j = junk[random.nextInt(junk.length)];
        byte[] insert = j.getBytes(StandardCharsets.ISO_8859_1);
        int at = random.nextInt(target.length + 1);
        byte[] out = new byte[target.length + insert.length];
        System.arraycopy(target, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(target, at, out, at + insert.length, target.length - at);
        return out;
    }

    private void jsonBody(Request r, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        int pick = random.nextInt(30);
        if (pick == 0) {
            body = corruptUtf8(body);
        } else if (pick == 1 && body.length > 1) {
            body = java.util.Arrays.copyOf(body, random.nextInt(body.length));
        } else if (pick == 2) {
            body = pickOf("[".repeat(5000), "{\"a\":".repeat(3000), "1".repeat(5000), "-" + "9".repeat(1500) + "e9999",
                    "\"" + "x".repeat(200_000) + "\"", "", "null", "true", "[]", "{}", "\"\\u0000\"", "\"\\ud800\"",
                    "{\"value\":\"1.2.3.4\"}{", "\u00ef\u00bb\u00bf{}", "[1,2,]", "{'a':1}", "NaN").getBytes(StandardCharsets.UTF_8);
        }
        r.body = body;
        int ct = random.nextInt(16);
        String type = ct < 12 ? "application/json" : pickOf("application/json; charset=utf-8", "text/plain", "",
                "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/json;charset=utf-16",
                "application/*", "multipart/form-data; boundary=x", "\u00e9", null);
        if (type != null) {
            r.headers.put("Content-Type", bytes(type));
        }
    }

    private byte[] corruptUtf8(byte[] body) {
        byte[][] bad = { { (byte) 0xff }, { (byte) 0xc0, (byte) 0x80 }, { (byte) 0xed, (byte) 0xa0, (byte) 0x80 },
                { (byte) 0xe9 }, { (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80 }, { 0 } };
        byte[] insert = bad[random.nextInt(bad.length)];
        // Inside a string when there is one, else anywhere.
        int quote = new String(body, StandardCharsets.ISO_8859_1).indexOf("\":\"");
        int at = quote >= 0 ? quote + 3 : random.nextInt(body.length + 1);
        byte[] out = new byte[body.length + insert.length];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(body, at, out, at + insert.length, body.length - at);
        return out;
    }

    // ---- endpoints -----------------------------------------------------------------------------------------------

    private Request postDecisions() {
        Map<String, String> q = new LinkedHashMap<>();
        String force = random.nextInt(4) == 0 ? pickOf("true", "false", "yes", "", "TRUE", nasty()) : null;
        q.put("force", force);
        Request r = request("POST /api/v1/decisions", "POST", "/api/v1/decisions", q);
        boolean forced = "true".equals(force);
        String json;
        int shape = random.nextInt(10);
        if (shape < 6) {
            json = decision(forced);
        } else if (shape < 9) {
            StringBuilder array = new StringBuilder("[");
            int n = random.nextInt(30) == 0 ? 10_001 : random.nextInt(5);
            for (int i = 0; i < n; i++) {
                array.append(i > 0 ? "," : "").append(n > 100 ? "{\"value\":\"198.18.222.1\"}" : decision(forced));
            }
            json = array.append(']').toString();
        } else {
            json = randomJson(3);
        }
        jsonBody(r, json);
        return r;
    }

    private String decision(boolean forced) {
        Map<String, Supplier<String>> fields = new LinkedHashMap<>();
        fields.put("value", () -> quote(value(forced)));
        fields.put("type", () -> fieldValue(usually("ban", () -> pickOf("captcha", "throttle", "BAN", "allow"))));
        fields.put("duration", () -> fieldValue(usually("1h", this::duration)));
        fields.put("reason", () -> fieldValue(usually("generated \u00e9 \ud83d\ude00", this::text)));
        fields.put("origin", () -> fieldValue(usually("generated", () -> pickOf("list:x", "a/b@c:d", "-x", "x".repeat(65), text()))));
        fields.put("jail", () -> fieldValue(usually("sshd", () -> pickOf("a.b-c_d", "x".repeat(65), text()))));
        if (random.nextInt(8) == 0) {
            fields.put(pickOf("unknown", "id", "scope", "\u0000", ""), () -> randomJson(1));
        }
        return object(fields, "value");
    }

    /** A decision value that can only ban this class's own networks, or is refused. */
    private String value(boolean forced) {
        int pick = random.nextInt(10);
        String v;
        if (pick < 4) {
            v = own();
        } else if (pick < 6) {
            v = pickOf("10.1.2.3", "::ffff:10.0.0.1", "::8000:0:0/81", "64:ff9b::a00:1", "2002:a00::/24", "::1",
                    "0.0.0.0/0", "::/0", "fe80::1", "127.0.0.1", "::ffff:0:0/96");
        } else {
            v = pickOf("1.2.3.4/33", "1.2.3.4/8", "256.1.1.1", "01.2.3.4", "fe80::1%eth0", "[::1]", "1.2.3.4 ",
                    "1.2.3.4\u0000", "::ffff:0:0/95", "1:2:3:4:5:6:7:8:9", "1." + "1".repeat(5000), "::" + ":".repeat(3000),
                    "0x7f.1", "1.2.3.4/", "/8", text());
        }
        return safe(v, forced);
    }

    /**
     * Replaces a value that parses and would ban (or, {@code forced}, unban) something outside this class's
     * networks; a protected one is kept when it is refused.
     */
    private String safe(String v, boolean forced) {
        IpNetwork n;
        try {
            n = IpNetwork.parse(v);
        } catch (IllegalArgumentException e) {
            return v;
        }
        if (OWN_V4.contains(n) || OWN_V6.contains(n)) {
            return v;
        }
        return protectedRanges.overlaps(n) && !forced ? v : own();
    }

    private String own() {
        return switch (random.nextInt(4)) {
            case 0 -> "198.18.222." + random.nextInt(256);
            case 1 -> "198.18.222." + (random.nextInt(16) * 16) + "/28";
            case 2 -> "2001:db8:fa22::" + Integer.toHexString(random.nextInt(65536));
            default -> "2001:db8:fa22:" + Integer.toHexString(random.nextInt(65536)) + "::/64";
        };
    }

    private String duration() {
        return pickOf("1h", "30s", "1h30m", "2w", "permanent", "PT4H", "P7D", "3650d", "3651d", "0s", "-1h", "1H",
                "1h".repeat(5000), "999999999w".repeat(random.nextInt(1, 40)), "PT9999999999999999999H",
                "P99999999999D", "1h30", "p", "P", "1234567890s", "9".repeat(100) + "s", " 1h ", "\u0661h", text());
    }

    private Request listDecisions() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("contains", maybe(this::network));
        q.put("within", maybe(this::network));
        q.put("origin", maybe(this::text));
        q.put("jail", maybe(this::text));
        q.put("active", maybe(this::bool));
        q.put("limit", maybe(this::number));
        q.put("cursor", maybe(this::keysetCursor));
        return request("GET /api/v1/decisions", "GET", "/api/v1/decisions", q);
    }

    private Request oneDecision() {
        String method = pickOf("GET", "DELETE", "PUT", "PATCH", "POST");
        Request r = request(method + " /api/v1/decisions/{id}", method, "/api/v1/decisions/" + encode(id(decisionIds)), Map.of());
        if (!method.equals("GET") && !method.equals("DELETE") && random.nextBoolean()) {
            jsonBody(r, decision(false));
        }
        return r;
    }

    private Request unbanMatching() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("value", maybe(() -> safe(pickOf(own(), network(), text()), true)));
        q.put("origin", maybe(this::text));
        return request("DELETE /api/v1/decisions", "DELETE", "/api/v1/decisions", q);
    }

    private Request check() {
        String method = random.nextInt(8) == 0 ? pickOf("POST", "PUT", "DELETE", "HEAD", "OPTIONS") : "GET";
        Map<String, String> q = new LinkedHashMap<>();
        q.put("ip", maybe(this::network));
        if (random.nextInt(6) == 0) {
            q.put(pickOf("IP", "ip[]", "x", ""), text());
        }
        return request(method + " /api/v1/check", method, "/api/v1/check", q);
    }

    private Request stream() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("since", maybe(this::changeCursor));
        q.put("limit", maybe(this::number));
        String wait = maybe(() -> pickOf("0", "50ms", "100ms", "0s", "61m", "9999999", "1e3", "-5", "1.5s", "5x",
                "99999999ms", "1h".repeat(100), "\u0000", text()));
        // A valid wait on a valid cursor holds the request that long: keep it short.
        q.put("wait", wait != null && VALID_WAIT.matcher(wait).matches() && !wait.strip().matches("0|0s|50ms|100ms") ? "100ms" : wait);
        return request("GET /api/v1/stream", "GET", "/api/v1/stream", q);
    }

    private Request export() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("format", maybe(() -> pickOf("plain", "ipset", "nftables", "nginx", "json", "PLAIN", "csv", text())));
        q.put("family", maybe(() -> pickOf("ipv4", "ipv6", "all", "IPV6", "v4", text())));
        q.put("aggregate", maybe(this::bool));
        q.put("limit", maybe(this::number));
        q.put("type", maybe(() -> pickOf("ban", "captcha", text())));
        q.put("name", maybe(() -> pickOf("banlist", "a_b1", "x".repeat(22), "1abc", text())));
        Request r = request("GET /api/v1/export", "GET", "/api/v1/export", q);
        if (random.nextInt(4) == 0) {
            r.headers.put("If-None-Match", bytes(pickOf("*", "\"abc\"", "W/\"x\"", "\"", nasty())));
        }
        return r;
    }

    private Request crowdSecLookup() {
        String method = random.nextInt(8) == 0 ? "HEAD" : "GET";
        Map<String, String> q = new LinkedHashMap<>();
        q.put("ip", maybe(this::network));
        q.put("range", maybe(this::network));
        q.put("scope", maybe(() -> pickOf("ip", "range", "Ip", "country", text())));
        q.put("value", maybe(this::network));
        q.put("type", maybe(() -> pickOf("ban", "captcha", text())));
        q.put("origins", maybe(() -> pickOf("cscli", "crowdsec,lists", ",,,", text())));
        q.put("scenarios_containing", maybe(this::text));
        q.put("scenarios_not_containing", maybe(this::text));
        q.put("contains", maybe(this::bool));
        return request(method + " /v1/decisions", method, "/v1/decisions", q);
    }

    private Request crowdSecStream() {
        String method = random.nextInt(8) == 0 ? "HEAD" : "GET";
        Map<String, String> q = new LinkedHashMap<>();
        q.put("startup", maybe(this::bool));
        q.put("scopes", maybe(() -> pickOf("ip", "range", "ip,range", "IP", text())));
        q.put("origins", maybe(this::text));
        q.put("scenarios_containing", maybe(this::text));
        q.put("scenarios_not_containing", maybe(this::text));
        Request r = request(method + " /v1/decisions/stream", method, "/v1/decisions/stream", q);
        if (random.nextInt(3) == 0) {
            r.headers.put("X-Forwarded-For", bytes(pickOf("192.0.2.1", "192.0.2.1, 10.0.0.1", "x".repeat(100),
                    "\u00e9\u00ff", ",", nasty())));
        }
        if (random.nextInt(3) == 0) {
            r.headers.put("User-Agent", bytes(pickOf("crowdsec-firewall-bouncer/v0.0.28", "x".repeat(3000), nasty())));
        }
        return r;
    }

    private Request keysRequest() {
        int pick = random.nextInt(4);
        if (pick == 0) {
            return request("GET /api/v1/keys", "GET", "/api/v1/keys", Map.of());
        }
        if (pick == 1) {
            String method = pickOf("DELETE", "GET", "PUT");
            return request(method + " /api/v1/keys/{id}", method, "/api/v1/keys/" + encode(id(keyIds)), Map.of());
        }
        Request r = request("POST /api/v1/keys", "POST", "/api/v1/keys", Map.of());
        Map<String, Supplier<String>> fields = new LinkedHashMap<>();
        fields.put("name", () -> fieldValue(usually("generated-" + random.nextInt(1_000_000),
                () -> pickOf("Upper", "a".repeat(64), "-x", text()))));
        fields.put("role", () -> fieldValue(usually("enforcer", () -> pickOf("admin", "agent", "root", "ADMIN", text()))));
        if (random.nextInt(5) == 0) {
            fields.put(pickOf("id", "key", "x"), () -> randomJson(1));
        }
        jsonBody(r, random.nextInt(8) == 0 ? randomJson(2) : object(fields, "name"));
        return r;
    }

    private Request sourcesRequest() {
        int pick = random.nextInt(8);
        if (pick == 0) {
            return request("GET /api/v1/sources", "GET", "/api/v1/sources", Map.of());
        }
        String id = id(sourceIds);
        if (pick == 1) {
            String method = pickOf("GET", "DELETE", "POST");
            return request(method + " /api/v1/sources/{id}", method, "/api/v1/sources/" + encode(id), Map.of());
        }
        if (pick == 2) {
            Request r = request("PATCH /api/v1/sources/{id}/labels", "PATCH", "/api/v1/sources/" + encode(id) + "/labels", Map.of());
            jsonBody(r, random.nextInt(4) == 0 ? randomJson(2) : labels());
            return r;
        }
        boolean put = pick < 5;
        Request r = put ? request("PUT /api/v1/sources/{id}", "PUT", "/api/v1/sources/" + encode(id), Map.of())
                : request("POST /api/v1/sources", "POST", "/api/v1/sources", Map.of());
        Map<String, Supplier<String>> fields = new LinkedHashMap<>();
        fields.put("name", () -> fieldValue(usually("generated-" + random.nextInt(1_000_000),
                () -> pickOf("Upper", "a".repeat(64), text()))));
        // Only local addresses that refuse connections, or text that is no http URL: no name is ever resolved.
        fields.put("url", () -> fieldValue(usually("http://127.0.0.1:9/list.txt", () -> pickOf("https://127.0.0.1:9/", "ftp://127.0.0.1/",
                "http://user:pw@127.0.0.1:9/", "http://[::1]:9/x", "http://127.0.0.1:9/" + "a".repeat(3000),
                "http://127.0.0.1:9/\u0000", "http://127.0.0.1:9/\ud800", "http:///x", "http://127.0.0.1:99999/",
                "not a url", "x" + text()))));
        fields.put("format", () -> fieldValue(usually("plain", () -> pickOf("spamhaus", "spamhaus-json", "PLAIN", text()))));
        fields.put("interval", () -> fieldValue(usually("1h", () -> pickOf("30m", "1s", "366d", duration()))));
        fields.put("enabled", () -> usually("false", () -> pickOf("true", "\"true\"", "1", "null", randomJson(1))));
        fields.put("ban_duration", () -> fieldValue(usually("1d", () -> pickOf("until_removed", duration()))));
        fields.put("jail", () -> fieldValue(usually("lists", () -> pickOf("x".repeat(65), text()))));
        fields.put("max_entries", () -> usually("1000", () -> pickOf("1", "0", "-1", "10000000", "10000001", "2147483648",
                "1.5", "1e3", "99999999999999999999999999", "\"5\"", "null", randomJson(1))));
        fields.put("labels", () -> random.nextInt(3) == 0 ? randomJson(2) : labels());
        if (random.nextInt(4) == 0) {
            fields.put(pickOf("id", "status", "etag", "unknown", "\u0000"), () -> randomJson(1));
        }
        jsonBody(r, random.nextInt(10) == 0 ? randomJson(3) : object(fields, "name"));
        return r;
    }

    private String labels() {
        StringBuilder out = new StringBuilder("{");
        int n = random.nextInt(30) == 0 ? 3000 : random.nextInt(4);
        for (int i = 0; i < n; i++) {
            out.append(i > 0 ? "," : "").append(quote(n > 100 ? "k" + i : pickOf("team", "owner", "", "\u0000", "\ud800", text())))
                    .append(':').append(n > 100 ? quote("v".repeat(50)) : random.nextInt(5) == 0 ? randomJson(1)
                            : quote(pickOf("ops", "", "\u0000x", "x".repeat(70_000), text())));
        }
        return out.append('}').toString();
    }

    private Request runsRequest() {
        String id = id(sourceIds);
        int pick = random.nextInt(4);
        if (pick == 0) {
            return request("POST /api/v1/sources/{id}/runs", "POST", "/api/v1/sources/" + encode(id) + "/runs", Map.of());
        }
        if (pick == 1) {
            return request("GET /api/v1/sources/{id}/runs/{runId}", "GET",
                    "/api/v1/sources/" + encode(id) + "/runs/" + encode(id(List.of())), Map.of());
        }
        Map<String, String> q = new LinkedHashMap<>();
        q.put("limit", maybe(this::number));
        q.put("cursor", maybe(this::keysetCursor));
        return request("GET /api/v1/sources/{id}/runs", "GET", "/api/v1/sources/" + encode(id) + "/runs", q);
    }

    private Request strayRequest() {
        String method = pickOf("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "HEAD");
        String path = pickOf("/api/v1/decisions/%00", "/api/v1/decisions/%ff", "/api/v1/sources/1/runs/%c0%80",
                "/api/v1/../q/health", "/api/v1/decisions/" + "9".repeat(30), "/%", "//api/v1/check", "/api/v1/",
                "/v1/decisions/stream/x", "/api/v1/keys/-1", "/api/v1/sources/0", "/api/v1/stream/x", "/q/health/ready",
                "/api/v1/export/", "/api/v1/decisions;x=1", "/\u00ff", "/api/v1/check/..;/x");
        Request r = new Request();
        r.name = method + " (stray)";
        r.method = method;
        r.path = path;
        r.target = path.getBytes(StandardCharsets.ISO_8859_1);
        if (random.nextBoolean()) {
            jsonBody(r, randomJson(2));
        }
        return r;
    }

    // ---- values --------------------------------------------------------------------------------------------------

    /** The valid value seven times in ten, so that requests reach past the first check. */
    private String usually(String valid, Supplier<String> other) {
        return random.nextInt(10) < 7 ? valid : other.get();
    }

    private String maybe(Supplier<String> value) {
        return random.nextInt(3) == 0 ? null : value.get();
    }

    private String network() {
        return random.nextBoolean() ? own() : pickOf("1.2.3.4/33", "::/0", "0.0.0.0/0", "fe80::1%eth0", "::ffff:0:0/95",
                "198.18.222.0/8", "::ffff:198.18.222.1", "1." + "1".repeat(3000), "::" + ":".repeat(1000), "", " ",
                "\u0000", text());
    }

    private String bool() {
        return pickOf("true", "false", "TRUE", "1", "", " true", "\u0000", text());
    }

    private String number() {
        return pickOf("1", "0", "-1", "100", "1000", "1001", "2147483648", "99999999999999999999", "1e3", "1.5",
                "0x10", "+5", " 5", "NaN", "\u0665", text());
    }

    private String id(List<String> created) {
        if (!created.isEmpty() && random.nextInt(3) == 0) {
            return created.get(random.nextInt(created.size()));
        }
        // Ids far beyond any other class's rows, or no ids at all.
        return pickOf(Long.toString(1_000_000_000_000L + random.nextInt(1_000_000)), "9223372036854775807",
                "9223372036854775808", "0", "-1", "1.5", "abc", "", "\u0000", "1e3", "99999999999999999999999", text());
    }

    /** Stream cursors: real ones, forged ones PostgreSQL would refuse, and garbage. */
    private String changeCursor() {
        if (random.nextInt(4) == 0) {
            return cursors.get(random.nextInt(cursors.size()));
        }
        String max = "18446744073709551615";
        String over = "18446744073709551616";
        return pickOf(b64("c1|1:1:"), b64("c1|0:0:"), b64("c1|" + over + ":" + over + ":"), b64("c1|5:3:"),
                b64("c1|3:5:9"), b64("c1|3:5:4,3"), b64("c1|3:5:2"), b64("c1|3:5:|3:5:|x|1"), b64("c1|" + max + ":" + max + ":"),
                b64("c1|3:5:|3:5:|" + over + "|1"), b64("c1|3:5:|3:5:|4|" + over), b64("c1|3:5:|3:5:|4|-1"),
                b64("c1|3:5:" + ",4".repeat(2000)), b64("c2|3:5:"), b64("c1|3:5:|"), b64("c1"), b64(""), b64("c1|3:5:\u0000"),
                b64("c1|9223372036854775807:9223372036854775808:"), "!!!", "%%%", "a", "====", text());
    }

    private String keysetCursor() {
        String over = "99999999999999999999";
        return pickOf(b64("d1:5"), b64("d1:-5"), b64("d1:" + over), b64("d1:abc"), b64("r1:5"), b64("r1:" + over),
                b64("r1:"), b64("x:1"), "!!!", "a", text());
    }

    private String text() {
        int pick = random.nextInt(12);
        if (pick < 2) {
            return nasty();
        }
        int length = pick == 2 ? random.nextInt(1000, 6000) : random.nextInt(0, 40);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(20);
            if (kind < 12) {
                out.append((char) random.nextInt(0x21, 0x7f));
            } else if (kind < 14) {
                out.append((char) random.nextInt(0, 0x20));
            } else if (kind < 16) {
                out.append((char) random.nextInt(0x80, 0x800));
            } else if (kind < 17) {
                out.append((char) random.nextInt(0xd800, 0xe000));
            } else if (kind < 18) {
                out.appendCodePoint(random.nextInt(0x10000, 0x110000));
            } else {
                out.append(pickOf("\u0000", "\ufffe", "\uffff", "'", "\"", "\\", "%", "$1", "{", "\u202e"));
            }
        }
        return out.toString();
    }

    private String nasty() {
        return pickOf("", " ", "\u0000", "a\u0000b", "\ud800", "x\udc00", "\ud83d\ude00", "\u00e9", "null", "true", "-0",
                "1e309", "'; DROP TABLE decisions; --", "${jndi:ldap://x}", "%s%n", "x".repeat(70_000), "\r\nX-Injected: 1");
    }

    private String fieldValue(String text) {
        return random.nextInt(10) == 0 ? randomJson(2) : quote(text);
    }

    private String object(Map<String, Supplier<String>> fields, String required) {
        StringBuilder out = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, Supplier<String>> f : fields.entrySet()) {
            boolean include = f.getKey().equals(required) ? random.nextInt(10) != 0 : random.nextInt(3) != 0;
            if (include) {
                out.append(first ? "" : ",").append(quote(f.getKey())).append(':').append(f.getValue().get());
                first = false;
            }
        }
        return out.append('}').toString();
    }

    private String randomJson(int depth) {
        int pick = random.nextInt(depth > 0 ? 12 : 9);
        return switch (pick) {
            case 0 -> "null";
            case 1 -> random.nextBoolean() ? "true" : "false";
            case 2 -> Long.toString(random.nextLong());
            case 3 -> pickOf("1e309", "-1e309", "123456789012345678901234567890", "-0", "0.0000001", "1E+2", "4.9e-324",
                    "9".repeat(900), "2147483648", "-9223372036854775809");
            case 4, 5, 6 -> quote(text());
            case 7 -> quote(pickOf(own(), duration(), "1.2.3.4", "ban"));
            case 8 -> Double.toString(random.nextDouble() * 1e6);
            case 9, 10 -> {
                StringBuilder out = new StringBuilder("[");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    out.append(i > 0 ? "," : "").append(randomJson(depth - 1));
                }
                yield out.append(']').toString();
            }
            default -> {
                StringBuilder out = new StringBuilder("{");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    out.append(i > 0 ? "," : "").append(quote(pickOf("value", "name", "labels", text())))
                            .append(':').append(randomJson(depth - 1));
                }
                yield out.append('}').toString();
            }
        };
    }

    /** A JSON string literal: control characters and unpaired surrogates as escapes, the rest as is. */
    private static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || (Character.isSurrogate(c) && !pair)) {
                out.append(String.format("\\u%04x", (int) c));
            } else if (pair) {
                out.append(c).append(s.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Header bytes: UTF-8, with line breaks taken out (they would end the header, not test it). */
    private static byte[] bytes(String s) {
        return s.replace("\r", "").replace("\n", "").getBytes(StandardCharsets.UTF_8);
    }

    @SafeVarargs
    private <T> T pickOf(T... options) {
        return options[random.nextInt(options.length)];
    }
}
