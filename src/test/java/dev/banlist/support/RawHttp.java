package dev.banlist.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one request per connection, sending exactly the bytes given: malformed
 * percent-encoding, raw bytes in the request line, invalid UTF-8 bodies and any header, which regular clients
 * refuse to send.
 */
public final class RawHttp {

    /** An answer: status (0 when the server closed without one), headers (lower-case names), decoded body. */
    public record Answer(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String host;
    private final int port;

    public RawHttp(URL base) {
        this.host = base.getHost();
        this.port = base.getPort();
    }

    /**
     * @param target the request target as sent, e.g. {@code /api/v1/check?ip=%ff}
     * @param headers extra header lines without line ends, e.g. {@code X-Api-Key: k}
     */
    public Answer send(String method, byte[] target, Map<String, byte[]> headers, byte[] body) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(60_000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write((method + " ").getBytes(StandardCharsets.ISO_8859_1));
            out.write(target);
            out.write((" HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n").getBytes(StandardCharsets.ISO_8859_1));
            for (Map.Entry<String, byte[]> h : headers.entrySet()) {
                out.write((h.getKey() + ": ").getBytes(StandardCharsets.ISO_8859_1));
                out.write(h.getValue());
                out.write('\r');
                out.write('\n');
            }
            if (body != null) {
                out.write(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write('\r');
            out.write('\n');
            if (body != null) {
                out.write(body);
            }
            socket.getOutputStream().write(out.toByteArray());
            socket.getOutputStream().flush();
            byte[] all;
            try {
                all = socket.getInputStream().readAllBytes();
            } catch (java.net.SocketException reset) {
                // The server may reset a connection whose body it did not read; what arrived first still counts.
                all = new byte[0];
            }
            return parse(all);
        }
    }

    static Answer parse(byte[] all) throws IOException {
        int end = indexOf(all, 0, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) {
            return new Answer(0, Map.of(), all);
        }
        String[] head = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = head[0].split(" ", 3);
        int status = statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : 0;
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(':');
            if (colon > 0) {
                headers.put(head[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), head[i].substring(colon + 1).strip());
            }
        }
        byte[] rest = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            rest = dechunk(rest);
        }
        return new Answer(status, headers, rest);
    }

    private static byte[] dechunk(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < data.length) {
            int lineEnd = indexOf(data, i, new byte[] { '\r', '\n' });
            if (lineEnd < 0) {
                break;
            }
            String size = new String(data, i, lineEnd - i, StandardCharsets.ISO_8859_1).split(";")[0].strip();
            int n = size.isEmpty() ? 0 : Integer.parseInt(size, 16);
            i = lineEnd + 2;
            if (n == 0) {
                break;
            }
            out.write(data, i, Math.min(n, data.length - i));
            i += n + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, int from, byte[] needle) {
        outer:
        for (int i = from; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
