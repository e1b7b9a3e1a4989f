package dev.banlist.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.banlist.net.IpNetwork;
import dev.banlist.net.ProtectedRanges;
import dev.banlist.support.Upstream;

class ListParserTest {

    private static final ProtectedRanges DEFAULT_PROTECTED = new ProtectedRanges(List.of("0.0.0.0/8", "10.0.0.0/8",
            "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4",
            "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8").stream().map(IpNetwork::parse).toList());

    /** Feeds the bytes in chunks of the given size, as a network would deliver them. */
    private static ParsedList parse(SourceFormat format, byte[] body, int chunk, ListParser[] parserOut) {
        ParsedList list = new ParsedList(Integer.MAX_VALUE);
        ListParser parser = new ListParser(format, list);
        for (int i = 0; i < body.length; i += chunk) {
            parser.feed(body, i, Math.min(chunk, body.length - i));
        }
        parser.finish();
        list.finish(DEFAULT_PROTECTED);
        if (parserOut != null) {
            parserOut[0] = parser;
        }
        return list;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theSharedListsParseCompletelyWhateverTheChunking() {
        for (int chunk : new int[] { 1, 7, 8192 }) {
            ListParser[] p = new ListParser[1];
            ParsedList firehol = parse(SourceFormat.PLAIN, Upstream.resource("firehol_level1.netset"), chunk, p);
            assertEquals(6273 - 8, firehol.size());
            assertEquals(8, firehol.protectedCount());
            assertEquals(0, p[0].invalidLines());
            assertEquals(794, parse(SourceFormat.SPAMHAUS, Upstream.resource("spamhaus-drop.txt"), chunk, p).size());
            assertEquals(56, parse(SourceFormat.SPAMHAUS, Upstream.resource("spamhaus-dropv6.txt"), chunk, p).size());
            assertEquals(235, parse(SourceFormat.PLAIN, Upstream.resource("feodo.ipset"), chunk, p).size());
            assertEquals(683, parse(SourceFormat.PLAIN, Upstream.resource("spamhaus_drop.netset"), chunk, p).size());
        }
    }

    @Test
    void commentsBlankLinesCrlfAndALastLineWithoutNewline() {
        ListParser[] p = new ListParser[1];
        ParsedList list = parse(SourceFormat.PLAIN, ascii("# header\r\n\r\n  203.0.113.1  \r\n203.0.113.0/24 # net\r\n"
                + "; also a comment\n2001:DB8::/32\n198.51.100.7"), 3, p);
        assertEquals(List.of("203.0.113.0/24", "203.0.113.1", "2001:db8::/32", "198.51.100.7").stream().sorted().toList(),
                List.of(list.texts(0, list.size())).stream().sorted().toList());
        assertEquals(0, p[0].invalidLines());
    }

    @Test
    void invalidLinesAreCountedWithTheFirstTenAsSamples() {
        StringBuilder body = new StringBuilder("203.0.113.1\n");
        for (int i = 0; i < 15; i++) {
            body.append("not-an-address-").append(i).append('\n');
        }
        body.append("203.0.113.5/24\n"); // host bits set: invalid, as in the decisions API
        ListParser[] p = new ListParser[1];
        ParsedList list = parse(SourceFormat.PLAIN, ascii(body.toString()), 4096, p);
        assertEquals(1, list.size());
        assertEquals(16, p[0].invalidLines());
        assertEquals(10, p[0].samples().size());
        assertEquals(new ListParser.InvalidLine(2, "not-an-address-0"), p[0].samples().get(0));
    }

    @Test
    void binaryGarbageAndOverlongLinesAreInvalidNotFatal() {
        byte[] garbage = new byte[20_000];
        new java.util.Random(7).nextBytes(garbage);
        ListParser[] p = new ListParser[1];
        parse(SourceFormat.PLAIN, garbage, 512, p);
        assertEquals(true, p[0].invalidLines() > 0);
        p[0].samples().forEach(s -> assertEquals(true, s.text().chars().allMatch(c -> c >= 0x20 && c <= 0x7e), s.text()));
        ParsedList overlong = parse(SourceFormat.PLAIN, ascii("1".repeat(ListParser.MAX_LINE + 10) + "\n203.0.113.1\n"), 100, p);
        assertEquals(1, overlong.size());
        assertEquals(1, p[0].invalidLines());
    }

    @Test
    void spamhausJsonSkipsTheMetadataLine() {
        ListParser[] p = new ListParser[1];
        ParsedList list = parse(SourceFormat.SPAMHAUS_JSON, ascii("{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\"}\n"
                + "{\"cidr\":42}\nnot json\n{\"type\":\"metadata\",\"timestamp\":1}\n"), 5, p);
        assertEquals(1, list.size());
        assertEquals(2, p[0].invalidLines());
    }

    @Test
    void duplicatesInAnyNotationCountOnce() {
        ParsedList list = parse(SourceFormat.PLAIN, ascii("203.0.113.7\n::ffff:203.0.113.7\n203.0.113.7/32\n"
                + "2001:db8:0:0::1\n2001:db8::1\n10.1.2.3\n10.1.2.3\n"), 64, null);
        assertEquals(2, list.size());
        assertEquals(1, list.protectedCount());
    }

    @Test
    void duplicatesDoNotCountTowardsMaxEntries() {
        ParsedList list = new ParsedList(2);
        ListParser parser = new ListParser(SourceFormat.PLAIN, list);
        byte[] body = ascii("2001:db8::1\n203.0.113.1\n2001:db8:0::1\n203.0.113.1/32\n".repeat(1000));
        parser.feed(body, 0, body.length);
        assertEquals(2, list.size());
        ImportFailure failure = assertThrows(ImportFailure.class, () -> parser.feed(ascii("2001:db8::2\n"), 0, 12));
        assertEquals(ImportFailure.Code.TOO_MANY_ENTRIES, failure.code());
    }

    @Test
    void aLongIpv6BodyOfOneRepeatedLineHoldsOneEntryInASmallTable() {
        // 4 MiB of "1::": a million lines, one entry (it was a million objects)
        CountingStream body = new CountingStream(4L << 20, i -> "1::\n");
        ParsedList list = new ParsedList(1_000_000);
        ListParser parser = new ListParser(SourceFormat.PLAIN, list);
        body.feedAll(parser);
        parser.finish();
        assertEquals(4L << 20, body.read);
        assertEquals(1L << 20, parser.validLines());
        list.finish(DEFAULT_PROTECTED);
        assertEquals(List.of("1::"), List.of(list.texts(0, list.size())));
        assertTrue(list.heldBytes() < 16 * 1024, list.heldBytes() + " bytes");
    }

    @Test
    void theEntryPastMaxEntriesStopsReadingTheBody() {
        // 64 MiB of distinct IPv6 addresses, each line 24 bytes: 2001:db8::xxxx:xxxx
        long total = 64L << 20;
        CountingStream body = new CountingStream(total,
                i -> String.format("2001:db8::%04x:%04x\n", (i >>> 16) & 0xffff, i & 0xffff));
        ParsedList list = new ParsedList(1000);
        ListParser parser = new ListParser(SourceFormat.PLAIN, list);
        ImportFailure failure = assertThrows(ImportFailure.class, () -> body.feedAll(parser));
        assertEquals(ImportFailure.Code.TOO_MANY_ENTRIES, failure.code());
        assertEquals(1000, parser.validLines(), "the entry past the limit fails the parse");
        assertTrue(body.read <= 1001 * 24 + CountingStream.CHUNK, body.read + " bytes read of " + total);
        assertEquals(1001, list.size());
        assertTrue(list.heldBytes() < 64 * 1024, list.heldBytes() + " bytes");
    }

    /** A body generated line by line as it is read (never held whole), counting the bytes handed out. */
    private static final class CountingStream extends InputStream {
        static final int CHUNK = 8192;
        private final long total;
        private final java.util.function.LongFunction<String> lines;
        private long lineNumber;
        private byte[] line = new byte[0];
        private int position;
        long read;

        CountingStream(long total, java.util.function.LongFunction<String> lines) {
            this.total = total;
            this.lines = lines;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (read >= total) {
                return -1;
            }
            int n = 0;
            while (n < len && read + n < total) {
                if (position == line.length) {
                    line = ascii(lines.apply(lineNumber++));
                    position = 0;
                }
                int count = (int) Math.min(Math.min(len - n, line.length - position), total - read - n);
                System.arraycopy(line, position, b, off + n, count);
                position += count;
                n += count;
            }
            read += n;
            return n;
        }

        /** Feeds the parser in chunks, as the fetcher does. */
        void feedAll(ListParser parser) {
            byte[] buffer = new byte[CHUNK];
            for (int n; (n = read(buffer, 0, CHUNK)) > 0; ) {
                parser.feed(buffer, 0, n);
            }
        }
    }
}
