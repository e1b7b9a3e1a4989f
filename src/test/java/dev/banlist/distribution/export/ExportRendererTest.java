package dev.banlist.distribution.export;

import static dev.banlist.distribution.export.ExportEntries.entries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banlist.net.IpNetwork;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ExportRendererTest {

    private static final List<ExportEntry> SMALL = NetworkAggregator.sortAndDedupe(
            entries("2001:db8::/32", "10.0.0.0/8!", "::1", "1.2.3.4"));

    private static String render(ExportFormat format, String setName, List<ExportEntry> entries) {
        return new String(concat(ExportRenderer.render(format, setName, entries)), StandardCharsets.UTF_8);
    }

    private static byte[] concat(Iterator<byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (chunks.hasNext()) {
            out.writeBytes(chunks.next());
        }
        return out.toByteArray();
    }

    @Test
    void plain() {
        assertEquals("1.2.3.4\n10.0.0.0/8\n::1\n2001:db8::/32\n", render(ExportFormat.PLAIN, null, SMALL));
        assertFalse(ExportRenderer.render(ExportFormat.PLAIN, null, List.of()).hasNext());
    }

    @Test
    void nginx() {
        assertEquals("deny 1.2.3.4;\ndeny 10.0.0.0/8;\ndeny ::1;\ndeny 2001:db8::/32;\n",
                render(ExportFormat.NGINX, null, SMALL));
        assertEquals("", render(ExportFormat.NGINX, null, List.of()));
    }

    @Test
    void json() {
        assertEquals("[\"1.2.3.4\",\"10.0.0.0/8\",\"::1\",\"2001:db8::/32\"]", render(ExportFormat.JSON, null, SMALL));
        assertEquals("[\"1.2.3.4\"]", render(ExportFormat.JSON, null, entries("1.2.3.4")));
        assertEquals("[]", render(ExportFormat.JSON, null, List.of()));
    }

    @Test
    void ipset() {
        assertEquals("""
                create banlist-v4 hash:net family inet hashsize 1024 maxelem 65536 -exist
                flush banlist-v4
                add banlist-v4 1.2.3.4 -exist
                add banlist-v4 10.0.0.0/8 -exist
                create banlist-v6 hash:net family inet6 hashsize 1024 maxelem 65536 -exist
                flush banlist-v6
                add banlist-v6 ::1 -exist
                add banlist-v6 2001:db8::/32 -exist
                """, render(ExportFormat.IPSET, "banlist", SMALL));
    }

    @Test
    void ipsetWritesBothSetsEvenWhenEmptySoThatOldEntriesAreFlushed() {
        assertEquals("""
                create bl-v4 hash:net family inet hashsize 1024 maxelem 65536 -exist
                flush bl-v4
                create bl-v6 hash:net family inet6 hashsize 1024 maxelem 65536 -exist
                flush bl-v6
                """, render(ExportFormat.IPSET, "bl", List.of()));
        assertEquals("""
                create bl-v4 hash:net family inet hashsize 1024 maxelem 65536 -exist
                flush bl-v4
                create bl-v6 hash:net family inet6 hashsize 1024 maxelem 65536 -exist
                flush bl-v6
                add bl-v6 ::1 -exist
                """, render(ExportFormat.IPSET, "bl", entries("::1")));
    }

    @Test
    void ipsetSplitsSlashZeroIntoTwoHalves() {
        assertEquals("""
                create x-v4 hash:net family inet hashsize 1024 maxelem 65536 -exist
                flush x-v4
                add x-v4 0.0.0.0/1 -exist
                add x-v4 128.0.0.0/1 -exist
                add x-v4 10.0.0.0/8 -exist
                create x-v6 hash:net family inet6 hashsize 1024 maxelem 65536 -exist
                flush x-v6
                add x-v6 ::/1 -exist
                add x-v6 8000::/1 -exist
                add x-v6 ::1 -exist
                """, render(ExportFormat.IPSET, "x",
                NetworkAggregator.sortAndDedupe(entries("10.0.0.0/8", "0.0.0.0/0", "::/0", "::1"))));
        // only in ipset
        assertEquals("0.0.0.0/0\n::/0\n", render(ExportFormat.PLAIN, null, entries("0.0.0.0/0", "::/0")));
    }

    @Test
    void ipsetMaxElementsIsAPowerOfTwoOfAtLeast65536() {
        assertEquals(65536, ExportRenderer.ipsetMaxElements(0));
        assertEquals(65536, ExportRenderer.ipsetMaxElements(65535));
        assertEquals(65536, ExportRenderer.ipsetMaxElements(65536));
        assertEquals(131072, ExportRenderer.ipsetMaxElements(65537));
        assertEquals(131072, ExportRenderer.ipsetMaxElements(131072));
        assertEquals(262144, ExportRenderer.ipsetMaxElements(131073));
        assertEquals(1048576, ExportRenderer.ipsetMaxElements(1_000_000));

        List<ExportEntry> many = new ArrayList<>();
        for (int i = 0; i < 65536; i++) {
            many.add(new ExportEntry(new IpNetwork(false, 0, 0x0A000000L + i, 32), false));
        }
        many.add(new ExportEntry(IpNetwork.parse("0.0.0.0/0"), false)); // counts twice: 65538 entries
        many.add(new ExportEntry(IpNetwork.parse("::1"), false));
        String text = render(ExportFormat.IPSET, "big", NetworkAggregator.sortAndDedupe(many));
        assertTrue(text.startsWith("create big-v4 hash:net family inet hashsize 1024 maxelem 131072 -exist\n"));
        assertTrue(text.contains("\ncreate big-v6 hash:net family inet6 hashsize 1024 maxelem 65536 -exist\n"));
    }

    @Test
    void nftables() {
        assertEquals("""
                add table inet banlist
                add set inet banlist banlist-v4 { type ipv4_addr; flags interval; auto-merge; }
                add set inet banlist banlist-v6 { type ipv6_addr; flags interval; auto-merge; }
                flush set inet banlist banlist-v4
                flush set inet banlist banlist-v6
                add element inet banlist banlist-v4 { 1.2.3.4, 10.0.0.0/8 }
                add element inet banlist banlist-v6 { ::1, 2001:db8::/32 }
                """, render(ExportFormat.NFTABLES, "banlist", SMALL));
    }

    @Test
    void nftablesWithoutElementsHasNoElementStatement() {
        String header = """
                add table inet t
                add set inet t t-v4 { type ipv4_addr; flags interval; auto-merge; }
                add set inet t t-v6 { type ipv6_addr; flags interval; auto-merge; }
                flush set inet t t-v4
                flush set inet t t-v6
                """;
        assertEquals(header, render(ExportFormat.NFTABLES, "t", List.of()));
        assertEquals(header + "add element inet t t-v6 { ::/0 }\n",
                render(ExportFormat.NFTABLES, "t", entries("::/0")));
        assertEquals(header + "add element inet t t-v4 { 0.0.0.0/0 }\n",
                render(ExportFormat.NFTABLES, "t", entries("0.0.0.0/0")));
    }

    @Test
    void nftablesStatementsHoldAtMostAThousandElements() {
        List<ExportEntry> entries = new ArrayList<>();
        for (int i = 0; i < 2001; i++) {
            entries.add(new ExportEntry(new IpNetwork(false, 0, 0x0A000000L + i, 32), false));
        }
        for (int i = 0; i < 1000; i++) {
            entries.add(new ExportEntry(new IpNetwork(true, 0x20010db800000000L, i, 128), false));
        }
        String[] lines = render(ExportFormat.NFTABLES, "t", entries).split("\n");
        assertEquals(5 + 4, lines.length);
        assertElements(lines[5], "t-v4", 1000, "10.0.0.0", "10.0.3.231");
        assertElements(lines[6], "t-v4", 1000, "10.0.3.232", "10.0.7.207");
        assertElements(lines[7], "t-v4", 1, "10.0.7.208", "10.0.7.208");
        assertElements(lines[8], "t-v6", 1000, "2001:db8::", "2001:db8::3e7");
    }

    private static void assertElements(String line, String set, int count, String first, String last) {
        String start = "add element inet t " + set + " { ";
        assertTrue(line.startsWith(start) && line.endsWith(" }"), line);
        String[] elements = line.substring(start.length(), line.length() - 2).split(", ");
        assertEquals(count, elements.length);
        assertEquals(first, elements[0]);
        assertEquals(last, elements[count - 1]);
    }

    @Test
    void ipv4TextWrittenDirectlyMatchesIpNetwork() {
        List<ExportEntry> entries = entries("0.0.0.0", "0.0.0.0/0", "1.0.0.0/8", "9.99.100.255", "10.0.0.0/8",
                "100.64.0.0/10", "192.0.2.0/24", "192.0.2.128/25", "192.0.2.254/31", "199.209.109.9",
                "255.255.255.255", "255.255.255.254/31");
        String expected = entries.stream().map(e -> e.network() + "\n").collect(Collectors.joining());
        assertEquals(expected, render(ExportFormat.PLAIN, null, entries));
    }

    /** A list large enough for many chunks, in every format, against text built here in one piece. */
    @ParameterizedTest
    @EnumSource(ExportFormat.class)
    void chunksJoinToTheWholeDocument(ExportFormat format) {
        Random random = new Random(42);
        List<ExportEntry> raw = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            int prefix = random.nextInt(4) == 0 ? random.nextInt(33) : 32;
            long address = random.nextLong() & 0xffffffffL & (prefix == 0 ? 0 : 0xffffffffL << (32 - prefix));
            raw.add(new ExportEntry(new IpNetwork(false, 0, address, prefix), false));
        }
        for (int i = 0; i < 15_000; i++) {
            raw.add(new ExportEntry(new IpNetwork(true, 0x2001_0db8_0000_0000L | random.nextInt(1 << 16),
                    random.nextLong() & 0xffff_0000_0000_ffffL, 128), false));
        }
        raw.add(new ExportEntry(IpNetwork.parse("0.0.0.0/0"), false));
        raw.add(new ExportEntry(IpNetwork.parse("::/0"), false));
        List<ExportEntry> entries = NetworkAggregator.sortAndDedupe(raw);

        List<byte[]> chunks = new ArrayList<>();
        ExportRenderer.render(format, "big_list", entries).forEachRemaining(chunks::add);
        assertTrue(chunks.size() > 10, "chunks: " + chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            int length = chunks.get(i).length;
            assertTrue(length <= ExportRenderer.CHUNK_SIZE + 256, "chunk " + i + ": " + length);
            assertTrue(i == chunks.size() - 1 || length >= ExportRenderer.CHUNK_SIZE, "chunk " + i + ": " + length);
        }
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        chunks.forEach(joined::writeBytes);
        assertEquals(expected(format, "big_list", entries), joined.toString(StandardCharsets.UTF_8));
    }

    /** The document written in one piece, straightforwardly, as the reference for the chunked renderer. */
    private static String expected(ExportFormat format, String set, List<ExportEntry> entries) {
        List<String> v4 = new ArrayList<>();
        List<String> v6 = new ArrayList<>();
        for (ExportEntry e : entries) {
            (e.network().ipv6() ? v6 : v4).add(e.network().toString());
        }
        List<String> all = new ArrayList<>(v4);
        all.addAll(v6);
        StringBuilder out = new StringBuilder();
        switch (format) {
            case PLAIN -> all.forEach(n -> out.append(n).append('\n'));
            case NGINX -> all.forEach(n -> out.append("deny ").append(n).append(";\n"));
            case JSON -> out.append(all.stream().map(n -> '"' + n + '"').collect(Collectors.joining(",", "[", "]")));
            case IPSET -> {
                Function<String, String> halves = n -> n.equals("0.0.0.0/0") ? "0.0.0.0/1\n128.0.0.0/1"
                        : n.equals("::/0") ? "::/1\n8000::/1" : n;
                for (List<String> family : List.of(v4, v6)) {
                    String name = set + (family == v4 ? "-v4" : "-v6");
                    List<String> nets = family.stream().flatMap(n -> halves.apply(n).lines()).toList();
                    out.append("create ").append(name).append(" hash:net family ")
                            .append(family == v4 ? "inet" : "inet6").append(" hashsize 1024 maxelem ")
                            .append(Math.max(65536, Integer.highestOneBit(nets.size() - 1) << 1)).append(" -exist\n");
                    out.append("flush ").append(name).append('\n');
                    nets.forEach(n -> out.append("add ").append(name).append(' ').append(n).append(" -exist\n"));
                }
            }
            case NFTABLES -> {
                out.append("add table inet ").append(set).append('\n');
                out.append("add set inet ").append(set).append(' ').append(set)
                        .append("-v4 { type ipv4_addr; flags interval; auto-merge; }\n");
                out.append("add set inet ").append(set).append(' ').append(set)
                        .append("-v6 { type ipv6_addr; flags interval; auto-merge; }\n");
                out.append("flush set inet ").append(set).append(' ').append(set).append("-v4\n");
                out.append("flush set inet ").append(set).append(' ').append(set).append("-v6\n");
                for (List<String> family : List.of(v4, v6)) {
                    for (int i = 0; i < family.size(); i += 1000) {
                        out.append("add element inet ").append(set).append(' ').append(set)
                                .append(family == v4 ? "-v4" : "-v6").append(" { ")
                                .append(String.join(", ", family.subList(i, Math.min(i + 1000, family.size()))))
                                .append(" }\n");
                    }
                }
            }
        }
        return out.toString();
    }

    @Test
    void iteratorProtocol() {
        Iterator<byte[]> chunks = ExportRenderer.render(ExportFormat.JSON, null, SMALL);
        assertTrue(chunks.hasNext());
        assertTrue(chunks.hasNext(), "asking again changes nothing");
        assertEquals("[\"1.2.3.4\",\"10.0.0.0/8\",\"::1\",\"2001:db8::/32\"]",
                new String(chunks.next(), StandardCharsets.UTF_8));
        assertFalse(chunks.hasNext());
        assertThrows(NoSuchElementException.class, chunks::next);
        assertThrows(NoSuchElementException.class, ExportRenderer.render(ExportFormat.PLAIN, null, List.of())::next);
    }

    @ParameterizedTest
    @ValueSource(strings = { "banlist", "a", "B", "bl_1", "Block_List_2", "aaaaaaaaaaaaaaaaaaaaa", "IP", "Set",
            "filter", "crowdsec" })
    void validSetNames(String name) {
        assertTrue(ExportRenderer.validSetName(name));
        assertTrue(render(ExportFormat.NFTABLES, name, SMALL).startsWith("add table inet " + name + "\n"));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { "1abc", "_a", "a-b", "a b", "a.b", "aaaaaaaaaaaaaaaaaaaaaa", "blöck", "ip", "ip6", "set",
            "table", "counter", "drop", "limit", "log", "meta", "inet", "flush", "add", "element", "json" })
    void invalidSetNames(String name) {
        assertFalse(ExportRenderer.validSetName(name));
        assertThrows(IllegalArgumentException.class, () -> ExportRenderer.render(ExportFormat.IPSET, name, SMALL));
        assertThrows(IllegalArgumentException.class, () -> ExportRenderer.render(ExportFormat.NFTABLES, name, SMALL));
        // formats without sets ignore the name
        assertEquals("1.2.3.4\n10.0.0.0/8\n::1\n2001:db8::/32\n", render(ExportFormat.PLAIN, name, SMALL));
    }
}
