package dev.banlist.packaging;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A deterministic supply of distinct public IPv4 hosts and /24 networks for test lists, none of them in a
 * protected, private, reserved or documentation range. Entries are in PostgreSQL's {@code cidr} text form
 * ({@code 198.51.7.9/32}), so they compare directly with {@code value::text}.
 */
final class PublicNetworks {

    private final SplittableRandom random;
    private final Set<Long> seen = new HashSet<>();

    PublicNetworks(long seed) {
        random = new SplittableRandom(seed);
    }

    /** The next {@code count} entries, each distinct from every entry this supply gave before; one in 25 a /24. */
    List<String> next(int count) {
        List<String> out = new ArrayList<>(count);
        while (out.size() < count) {
            long address = random.nextInt() & 0xffffffffL;
            if (!isPublic(address)) {
                continue;
            }
            int prefix = random.nextInt(25) == 0 ? 24 : 32;
            if (prefix == 24) {
                address &= 0xffffff00L;
            }
            if (seen.add(address << 8 | prefix)) {
                out.add(text(address) + "/" + prefix);
            }
        }
        return out;
    }

    /** The list body a blocklist upstream would serve: hosts without their /32, one entry a line. */
    static byte[] body(List<String> entries) {
        StringBuilder body = new StringBuilder(entries.size() * 16).append("# test list\n");
        for (String entry : entries) {
            body.append(entry.endsWith("/32") ? entry.substring(0, entry.length() - 3) : entry).append('\n');
        }
        return body.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean isPublic(long address) {
        int a = (int) (address >>> 24);
        int b = (int) (address >>> 16) & 0xff;
        int c = (int) (address >>> 8) & 0xff;
        return a != 0 && a != 10 && a != 127 && a < 224
                && !(a == 100 && (b & 0xc0) == 64)
                && !(a == 169 && b == 254)
                && !(a == 172 && (b & 0xf0) == 16)
                && !(a == 192 && b == 168)
                && !(a == 192 && b == 0 && (c == 0 || c == 2))
                && !(a == 198 && (b & 0xfe) == 18)
                && !(a == 198 && b == 51 && c == 100)
                && !(a == 203 && b == 0 && c == 113);
    }

    private static String text(long address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }
}
