package dev.banlist.distribution.export;

import dev.banlist.net.IpNetwork;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes an export in one of the {@link ExportFormat}s as a sequence of UTF-8 chunks of about 32 KiB, produced
 * only as they are asked for, so that a million-network export is never one string in memory. All output is
 * ASCII. Every line ends with {@code \n}; the JSON array is one line without a line end.
 *
 * <p>ipset and nftables files name their sets {@code <setName>-v4} and {@code <setName>-v6} (the nftables table is
 * {@code <setName>}). Both sets are always written, even when a family has no entries, so that loading the file
 * also empties a set whose last network was removed since the previous load.
 */
public final class ExportRenderer {

    /** A chunk is handed out once it reaches this size; the last piece written may take it slightly past. */
    static final int CHUNK_SIZE = 32 * 1024;

    /** nftables accepts large element statements, but smaller ones keep its error messages readable. */
    static final int NFT_ELEMENTS_PER_STATEMENT = 1000;

    private static final Pattern SET_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,20}");

    /**
     * The keywords of nft's scanner (its src/scanner.l, current releases): nft rejects a table named like one of them ({@code add table
     * inet ip} is a syntax error, and quoting does not help), so such a set name is refused for every format.
     * Older nft versions reserve every keyword everywhere, so the list includes those only reserved in some
     * context by newer versions.
     */
    private static final Set<String> NFT_KEYWORDS = Set.of((""
            + "eq ne le lt ge gt lshift rshift xor and or not vmap include define redefine undefine describe chains "
            + "sets tables rules trace hook device devices table chain rule set element map flowtable handle "
            + "ruleset socket transparent wildcard cgroupv2 level tproxy accept drop continue jump goto return to "
            + "inet netdev add replace update create insert delete get list reset flush rename import export "
            + "monitor destroy position index comment constant interval dynamic timeout elements expires policy "
            + "size performance memory flow offload meter meters flowtables limits maps secmarks synproxys tunnel "
            + "tunnels hooks counter name packets bytes last never counters quotas log prefix snaplen group queue "
            + "num bypass fanout limit rate burst second minute week over quota until used hour day reject with "
            + "icmpx snat dnat masquerade redirect random persistent port ll nh th bridge ether saddr daddr type "
            + "typeof vlan id cfi dei pcp arp htype ptype hlen plen operation ip version hdrlength dscp ecn length "
            + "ttl protocol checksum lsrr rr ssrr ra ptr value option options ackseq doff window urgptr echo eol "
            + "maxseg mss nop noop sack sack0 sack1 sack2 sack3 timestamp fastopen mptcp md5sig left right count "
            + "tsval tsecr subtype time icmp icmpv6 gateway code mtu taddr sequence igmp mrt ip6 priority "
            + "flowlabel hoplimit nexthdr ah reserved spi esp comp cpi flags udp udplite csumcov sport dport vxlan "
            + "vni geneve gre gretap tcp dccp sctp chunk vtag data init heartbeat abort shutdown error ecne cwr "
            + "asconf tsn stream ssn ppid seqno rt rt0 rt2 srh addr hbh frag reserved2 dst mh meta mark iif "
            + "iifname iiftype oif oifname oiftype skuid skgid nftrace rtclassid ibriport ibrname obriport obrname "
            + "pkttype cpu iifgroup oifgroup cgroup nexthop tag sid classid ct avgpkt l3proto zone original reply "
            + "direction event expectation expiration helper helpers label state status numgen inc jhash symhash "
            + "seed mod offset dup fwd fib check osf synproxy wscale tos notrack all xml json vm exists missing "
            + "exthdr ipsec reqid spnum in out secmark xt").split(" "));

    private ExportRenderer() {
    }

    /**
     * Whether {@code setName} can name the ipset and nftables sets: a letter, then up to 20 letters, digits or
     * underscores (ipset allows 31 characters including the {@code -v4} suffix), and no nft keyword.
     */
    public static boolean validSetName(String setName) {
        return setName != null && SET_NAME.matcher(setName).matches() && !NFT_KEYWORDS.contains(setName);
    }

    /**
     * The chunks of {@code sorted} (in {@link NetworkAggregator#ORDER}; IPv4 and IPv6 are written in the order
     * given) in {@code format}. {@code setName} is only used, and must then be {@link #validSetName valid}, for
     * ipset and nftables. An empty plain or nginx export has no chunks at all.
     */
    public static Iterator<byte[]> render(ExportFormat format, String setName, List<ExportEntry> sorted) {
        if ((format == ExportFormat.IPSET || format == ExportFormat.NFTABLES) && !validSetName(setName)) {
            throw new IllegalArgumentException("invalid set name '" + setName + "'");
        }
        switch (format) {
            case PLAIN:
                return new Lines(sorted, "", "\n");
            case NGINX:
                return new Lines(sorted, "deny ", ";\n");
            case JSON:
                return new JsonArray(sorted);
            case IPSET:
                return new IpsetFile(setName, sorted);
            case NFTABLES:
                return new NftFile(setName, sorted);
            default:
                throw new IllegalArgumentException("unknown format " + format);
        }
    }

    /** The {@code maxelem} of an ipset: room for {@code count} entries, at least ipset's default of 65536. */
    static long ipsetMaxElements(long count) {
        if (count <= 65536) {
            return 65536;
        }
        return Long.highestOneBit(count - 1) << 1;
    }

    /** Writes small pieces of a document into a buffer and hands the buffer out whenever it is full enough. */
    private abstract static class Chunks implements Iterator<byte[]> {
        final Out out = new Out();
        private byte[] pending;
        private boolean finished;

        /** Writes the next piece of the document; false once everything is written. */
        abstract boolean step();

        @Override
        public final boolean hasNext() {
            if (pending == null && !finished) {
                while (out.size < CHUNK_SIZE && !finished) {
                    finished = !step();
                }
                if (out.size > 0) {
                    pending = Arrays.copyOf(out.buf, out.size);
                    out.size = 0;
                }
            }
            return pending != null;
        }

        @Override
        public final byte[] next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            byte[] chunk = pending;
            pending = null;
            return chunk;
        }
    }

    /** One line per network between a prefix and a suffix: plain and nginx. */
    private static final class Lines extends Chunks {
        private final List<ExportEntry> entries;
        private final String before;
        private final String after;
        private int next;

        Lines(List<ExportEntry> entries, String before, String after) {
            this.entries = entries;
            this.before = before;
            this.after = after;
        }

        @Override
        boolean step() {
            if (next == entries.size()) {
                return false;
            }
            out.ascii(before).network(entries.get(next++).network()).ascii(after);
            return true;
        }
    }

    private static final class JsonArray extends Chunks {
        private final List<ExportEntry> entries;
        private int next = -1;

        JsonArray(List<ExportEntry> entries) {
            this.entries = entries;
        }

        @Override
        boolean step() {
            if (next == -1) {
                out.ascii("[");
            } else if (next == entries.size()) {
                out.ascii("]");
                return false;
            } else {
                // Canonical network text has no character that JSON needs to escape.
                out.ascii(next == 0 ? "\"" : ",\"").network(entries.get(next).network()).ascii("\"");
            }
            next++;
            return true;
        }
    }

    /**
     * Walks the entries of one family, then of the other, splitting a /0 into two /1 networks where the target
     * cannot hold it.
     */
    private abstract static class FamilyWalk extends Chunks {
        final List<ExportEntry> entries;
        final String setName;
        /** 0: IPv4, 1: IPv6, 2: done. */
        int family;
        /** -1 before the family's header is written. */
        int next = -1;
        /** The second half of a split /0 is written next. */
        boolean secondHalf;

        FamilyWalk(String setName, List<ExportEntry> entries) {
            this.setName = setName;
            this.entries = entries;
        }

        /** Index of the next entry of the current family at or after {@code from}; the size when none. */
        int seek(int from) {
            boolean ipv6 = family == 1;
            while (from < entries.size() && entries.get(from).network().ipv6() != ipv6) {
                from++;
            }
            return from;
        }

        String suffix() {
            return family == 0 ? "-v4" : "-v6";
        }

        long count(boolean ipv6, boolean splitZero) {
            long count = 0;
            for (ExportEntry e : entries) {
                if (e.network().ipv6() == ipv6) {
                    count += splitZero && e.network().prefix() == 0 ? 2 : 1;
                }
            }
            return count;
        }

        /** Writes the network at {@code next}, or the current half of it; true when it is finished. */
        boolean writeNetwork(boolean splitZero) {
            IpNetwork net = entries.get(next).network();
            if (!splitZero || net.prefix() != 0) {
                out.network(net);
                return true;
            }
            out.network(new IpNetwork(net.ipv6(), secondHalf && net.ipv6() ? Long.MIN_VALUE : 0,
                    secondHalf && !net.ipv6() ? 0x80000000L : 0, 1));
            secondHalf = !secondHalf;
            return !secondHalf;
        }
    }

    /**
     * {@code ipset restore} input: per family a hash:net set created if missing, flushed and filled. hash:net
     * cannot hold a /0, so 0.0.0.0/0 and ::/0 become their two /1 halves.
     */
    private static final class IpsetFile extends FamilyWalk {
        private final long[] maxElements = new long[2];

        IpsetFile(String setName, List<ExportEntry> entries) {
            super(setName, entries);
            maxElements[0] = ipsetMaxElements(count(false, true));
            maxElements[1] = ipsetMaxElements(count(true, true));
        }

        @Override
        boolean step() {
            if (family == 2) {
                return false;
            }
            if (next == -1) {
                out.ascii("create ").ascii(setName).ascii(suffix()).ascii(" hash:net family ")
                        .ascii(family == 0 ? "inet" : "inet6").ascii(" hashsize 1024 maxelem ")
                        .number(maxElements[family]).ascii(" -exist\n")
                        .ascii("flush ").ascii(setName).ascii(suffix()).ascii("\n");
                next = seek(0);
            } else if (next == entries.size()) {
                family++;
                next = -1;
            } else {
                out.ascii("add ").ascii(setName).ascii(suffix()).ascii(" ");
                boolean done = writeNetwork(true);
                out.ascii(" -exist\n");
                if (done) {
                    next = seek(next + 1);
                }
            }
            return true;
        }
    }

    /**
     * {@code nft -f} input: the table and both interval sets created if missing, both flushed, then the networks
     * in statements of at most {@value #NFT_ELEMENTS_PER_STATEMENT} elements. nft applies the file as one
     * transaction, so the sets are never seen empty. {@code auto-merge} lets the set take overlapping networks of
     * a non-aggregated export.
     */
    private static final class NftFile extends FamilyWalk {
        private boolean header = true;
        /** Elements written in the open statement; 0 when no statement is open. */
        private int inStatement;

        NftFile(String setName, List<ExportEntry> entries) {
            super(setName, entries);
        }

        @Override
        boolean step() {
            if (header) {
                out.ascii("add table inet ").ascii(setName).ascii("\n");
                for (String type : new String[] { "ipv4_addr", "ipv6_addr" }) {
                    out.ascii("add set inet ").ascii(setName).ascii(" ").ascii(setName)
                            .ascii(type.startsWith("ipv4") ? "-v4" : "-v6").ascii(" { type ").ascii(type)
                            .ascii("; flags interval; auto-merge; }\n");
                }
                out.ascii("flush set inet ").ascii(setName).ascii(" ").ascii(setName).ascii("-v4\n");
                out.ascii("flush set inet ").ascii(setName).ascii(" ").ascii(setName).ascii("-v6\n");
                header = false;
                next = seek(0);
                return true;
            }
            if (family == 2) {
                return false;
            }
            if (next == entries.size()) {
                if (inStatement > 0) {
                    out.ascii(" }\n");
                    inStatement = 0;
                }
                family++;
                if (family < 2) {
                    next = seek(0);
                }
                return true;
            }
            if (inStatement == NFT_ELEMENTS_PER_STATEMENT) {
                out.ascii(" }\n");
                inStatement = 0;
            }
            out.ascii(inStatement == 0 ? "add element inet " + setName + " " + setName + suffix() + " { " : ", ");
            out.network(entries.get(next).network());
            inStatement++;
            next = seek(next + 1);
            return true;
        }
    }

    /** A growable ASCII byte buffer. */
    private static final class Out {
        byte[] buf = new byte[CHUNK_SIZE + 4096];
        int size;

        private void ensure(int extra) {
            if (size + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
            }
        }

        Out ascii(String s) {
            int n = s.length();
            ensure(n);
            for (int i = 0; i < n; i++) {
                buf[size++] = (byte) s.charAt(i);
            }
            return this;
        }

        Out number(long value) {
            return ascii(Long.toString(value));
        }

        /** The canonical text of {@code net}; IPv4, the bulk of most lists, without an intermediate string. */
        Out network(IpNetwork net) {
            if (net.ipv6()) {
                return ascii(net.toString());
            }
            ensure(18);
            long a = net.lo();
            octet((int) (a >>> 24) & 0xff);
            buf[size++] = '.';
            octet((int) (a >>> 16) & 0xff);
            buf[size++] = '.';
            octet((int) (a >>> 8) & 0xff);
            buf[size++] = '.';
            octet((int) a & 0xff);
            if (net.prefix() != 32) {
                buf[size++] = '/';
                octet(net.prefix());
            }
            return this;
        }

        private void octet(int v) {
            if (v >= 100) {
                buf[size++] = (byte) ('0' + v / 100);
            }
            if (v >= 10) {
                buf[size++] = (byte) ('0' + v / 10 % 10);
            }
            buf[size++] = (byte) ('0' + v % 10);
        }
    }
}
