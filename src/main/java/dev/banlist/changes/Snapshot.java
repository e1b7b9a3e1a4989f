package dev.banlist.changes;

import java.util.Arrays;

/**
 * A PostgreSQL snapshot ({@code xmin:xmax:xip,...}) parsed, to decide in memory which transactions it sees: a
 * committed transaction is visible unless it is at or past {@code xmax} or was in progress ({@code xip}).
 */
public record Snapshot(long xmin, long xmax, long[] xip) {

    /** The snapshot, or null when the text is not one (a cursor validates its form; this guards the range). */
    public static Snapshot parse(String text) {
        try {
            int a = text.indexOf(':');
            int b = text.indexOf(':', a + 1);
            long xmin = Long.parseLong(text.substring(0, a));
            long xmax = Long.parseLong(text.substring(a + 1, b));
            String rest = text.substring(b + 1);
            long[] xip = rest.isEmpty() ? new long[0] : Arrays.stream(rest.split(",")).mapToLong(Long::parseLong).toArray();
            Arrays.sort(xip);
            return new Snapshot(xmin, xmax, xip);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Whether a committed transaction's changes are visible in this snapshot. */
    public boolean visible(long txid) {
        return txid < xmin || (txid < xmax && Arrays.binarySearch(xip, txid) < 0);
    }

    /**
     * Whether this snapshot sees every transaction {@code other} sees. Snapshots taken later on the same server
     * cover earlier ones; two taken around the same commits may each see one the other does not.
     */
    public boolean covers(Snapshot other) {
        if (other.xmax > xmax) {
            return false;
        }
        for (long x : xip) {
            if (x < other.xmax && Arrays.binarySearch(other.xip, x) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether both see exactly the same transactions. */
    public boolean sameAs(Snapshot other) {
        return covers(other) && other.covers(this);
    }
}
