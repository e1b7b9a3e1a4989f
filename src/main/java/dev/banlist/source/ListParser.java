package dev.banlist.source;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.banlist.net.IpNetwork;

/**
 * Parses a list as its bytes arrive, one line at a time: the body is never held whole. Lines are ASCII; a line
 * longer than {@link #MAX_LINE} is invalid (binary garbage has no line breaks to speak of).
 */
final class ListParser {

    static final int MAX_LINE = 4096;
    static final int MAX_SAMPLES = 10;
    private static final int SAMPLE_LENGTH = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An invalid line kept for the run log. */
    record InvalidLine(long line, String text) {
    }

    private final SourceFormat format;
    private final ParsedList entries;
    private final StringBuilder line = new StringBuilder(64);
    private boolean overlong;
    private long lineNumber;
    private long invalid;
    private long valid;
    private final List<InvalidLine> samples = new ArrayList<>();

    ListParser(SourceFormat format, ParsedList entries) {
        this.format = format;
        this.entries = entries;
    }

    void feed(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                endLine();
            } else if (line.length() < MAX_LINE) {
                line.append((char) (b & 0xff));
            } else {
                overlong = true;
            }
        }
    }

    /** The body ended: a last line without a newline counts too. */
    void finish() {
        if (line.length() > 0 || overlong) {
            endLine();
        }
    }

    long invalidLines() {
        return invalid;
    }

    /** Lines that held an entry (duplicates and protected ones included). */
    long validLines() {
        return valid;
    }

    List<InvalidLine> samples() {
        return samples;
    }

    private void endLine() {
        lineNumber++;
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
            line.setLength(end - 1);
        }
        String text = line.toString();
        line.setLength(0);
        if (overlong) {
            overlong = false;
            invalid(text + "...");
            return;
        }
        String value = entryOf(text);
        if (value == null) {
            return;
        }
        try {
            entries.add(IpNetwork.parse(value));
            valid++;
        } catch (IllegalArgumentException e) {
            invalid(text);
        }
    }

    /** The entry text of a line, null for blank and comment lines, "" for a line that cannot hold one. */
    private String entryOf(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            return null;
        }
        switch (format) {
            case PLAIN -> {
                if (s.charAt(0) == '#' || s.charAt(0) == ';') {
                    return null;
                }
                int hash = s.indexOf('#');
                return hash < 0 ? s : s.substring(0, hash).strip();
            }
            case SPAMHAUS -> {
                if (s.charAt(0) == ';' || s.charAt(0) == '#') {
                    return null;
                }
                int semi = s.indexOf(';');
                return semi < 0 ? s : s.substring(0, semi).strip();
            }
            case SPAMHAUS_JSON -> {
                try {
                    JsonNode node = JSON.readTree(s);
                    if (node != null && node.isObject() && node.has("type") && !node.has("cidr")) {
                        return null; // the trailing metadata object
                    }
                    JsonNode cidr = node == null ? null : node.get("cidr");
                    return cidr != null && cidr.isTextual() ? cidr.asText() : "";
                } catch (java.io.IOException e) {
                    return "";
                }
            }
            default -> throw new IllegalStateException(format.name());
        }
    }

    private void invalid(String text) {
        invalid++;
        if (samples.size() < MAX_SAMPLES) {
            String printable = text.codePoints()
                    .map(c -> c < 0x20 || c > 0x7e ? '?' : c)
                    .limit(SAMPLE_LENGTH)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                    .toString();
            samples.add(new InvalidLine(lineNumber, printable));
        }
    }
}
