package dev.banlist.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address or network in canonical form: IPv4-mapped IPv6 becomes IPv4, host bits must be zero,
 * a host prints without its prefix, IPv6 prints compressed (RFC 5952). Addresses are held as two longs so that
 * comparisons need no allocation.
 */
public record IpNetwork(boolean ipv6, long hi, long lo, int prefix) {

    private static final Pattern IPV4 = Pattern.compile("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final Pattern PREFIX = Pattern.compile("\\d{1,3}");

    /** Thrown for text that is no address or network; {@link #getMessage()} says why, for the client. */
    public static final class InvalidNetworkException extends IllegalArgumentException {
        public InvalidNetworkException(String problem) {
            super(problem, null);
        }
    }

    public static IpNetwork parse(String text) {
        IpNetwork v4 = text == null ? null : parseCanonicalV4(text);
        if (v4 != null) {
            return v4;
        }
        if (text == null || text.isBlank()) {
            throw new InvalidNetworkException("must be an IPv4 or IPv6 address or CIDR network");
        }
        String s = text.strip();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        Integer prefix = null;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (!PREFIX.matcher(p).matches()) {
                throw new InvalidNetworkException("'" + text + "' has an invalid prefix length");
            }
            prefix = Integer.parseInt(p);
        }
        IpNetwork host = address.indexOf(':') >= 0 ? parseV6(address, text, prefix) : parseV4(address, text);
        int max = host.ipv6 ? 128 : 32;
        int length;
        if (prefix == null) {
            length = max;
        } else if (!host.ipv6 && address.indexOf(':') >= 0) {
            length = prefix - 96; // IPv4-mapped IPv6 network, prefix checked in parseV6
        } else {
            length = prefix;
        }
        if (length < 0 || length > max) {
            throw new InvalidNetworkException("'" + text + "' has a prefix length outside 0-" + max);
        }
        IpNetwork network = new IpNetwork(host.ipv6, host.hi & mask(host.ipv6, length, true),
                host.lo & mask(host.ipv6, length, false), length);
        if (network.hi != host.hi || network.lo != host.lo) {
            throw new InvalidNetworkException("'" + text + "' has host bits set; did you mean " + network + "?");
        }
        return network;
    }

    /**
     * The common case of imported lists, without regular expressions or allocation: a valid IPv4 address or
     * network ({@code a.b.c.d} or {@code a.b.c.d/n}, no leading zeros, host bits zero). Null for anything else,
     * which the general parser then reads or explains.
     */
    private static IpNetwork parseCanonicalV4(String s) {
        int n = s.length();
        long address = 0;
        int i = 0;
        for (int octet = 0; octet < 4; octet++) {
            if (octet > 0) {
                if (i >= n || s.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
            int start = i;
            int value = 0;
            while (i < n && i - start < 3 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == start || value > 255 || (i - start > 1 && s.charAt(start) == '0')) {
                return null;
            }
            address = (address << 8) | value;
        }
        int prefix = 32;
        if (i < n) {
            if (s.charAt(i) != '/' || i + 1 >= n || n - i - 1 > 2) {
                return null;
            }
            prefix = 0;
            for (int j = i + 1; j < n; j++) {
                char c = s.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                prefix = prefix * 10 + (c - '0');
            }
            if (prefix > 32) {
                return null;
            }
        }
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        return (address & mask) == address ? new IpNetwork(false, 0, address, prefix) : null;
    }

    private static IpNetwork parseV4(String address, String text) {
        if (!IPV4.matcher(address).matches()) {
            throw new InvalidNetworkException("'" + text + "' is not an IPv4 or IPv6 address or CIDR network");
        }
        long value = 0;
        for (String part : address.split("\\.")) {
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new InvalidNetworkException("'" + text + "' is not a valid IPv4 address");
            }
            value = (value << 8) | octet;
        }
        return new IpNetwork(false, 0, value, 32);
    }

    private static IpNetwork parseV6(String address, String text, Integer prefix) {
        if (!IPV6_CHARS.matcher(address).matches()) {
            throw new InvalidNetworkException("'" + text + "' is not an IPv4 or IPv6 address or CIDR network");
        }
        byte[] bytes;
        try {
            // A literal containing ':' is parsed, never resolved through DNS.
            bytes = InetAddress.getByName("[" + address + "]").getAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new InvalidNetworkException("'" + text + "' is not a valid IPv6 address");
        }
        if (bytes.length == 4) {
            if (prefix == null || prefix >= 96) {
                return new IpNetwork(false, 0, toLong(bytes, 0, 4), 32);
            }
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            bytes = mapped;
        }
        return new IpNetwork(true, toLong(bytes, 0, 8), toLong(bytes, 8, 8), 128);
    }

    private static long toLong(byte[] bytes, int from, int count) {
        long value = 0;
        for (int i = from; i < from + count; i++) {
            value = (value << 8) | (bytes[i] & 0xffL);
        }
        return value;
    }

    private static long mask(boolean ipv6, int length, boolean high) {
        if (!ipv6) {
            return high ? 0 : (length == 0 ? 0 : (0xffffffffL << (32 - length)) & 0xffffffffL);
        }
        int bits = high ? Math.min(length, 64) : Math.max(length - 64, 0);
        return bits == 0 ? 0 : -1L << (64 - bits);
    }

    public boolean isHost() {
        return prefix == (ipv6 ? 128 : 32);
    }

    /** {@code ip} for a single address, {@code range} for a network. */
    public String scope() {
        return isHost() ? "ip" : "range";
    }

    /** The address without prefix. */
    public String address() {
        if (!ipv6) {
            return (lo >>> 24 & 0xff) + "." + (lo >>> 16 & 0xff) + "." + (lo >>> 8 & 0xff) + "." + (lo & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            groups[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    /** Canonical text: the address alone for a host, {@code address/prefix} for a network. */
    @Override
    public String toString() {
        return isHost() ? address() : address() + "/" + prefix;
    }

    /** Whether {@code ip} is an address of this network (no allocation: used on hot paths). */
    public boolean contains(IpNetwork other) {
        if (other.ipv6 != ipv6 || other.prefix < prefix) {
            return false;
        }
        return (other.hi & mask(ipv6, prefix, true)) == hi && (other.lo & mask(ipv6, prefix, false)) == lo;
    }

}
