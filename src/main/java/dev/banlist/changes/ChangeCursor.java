package dev.banlist.changes;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

import dev.banlist.error.ValidationException;

/**
 * A position in the change log: the PostgreSQL snapshot ({@code xmin:xmax:xip,...}) that the reader has seen.
 * The changes after it are those of transactions not visible in {@code from} and committed now, whatever order
 * they committed in. While a delta is paged ({@code more}), the cursor also holds the snapshot the delta ends at
 * ({@code to}) and the last change-log row sent ({@code txid}, {@code seq}).
 *
 * <p>Clients see it as an opaque base64url string.
 */
public record ChangeCursor(String from, String to, String txid, long seq) {

    private static final String VERSION = "c1";
    private static final int MAX_XIP = 1000;
    private static final Pattern XID = Pattern.compile("\\d{1,20}");

    /** A complete cursor: everything up to and including {@code snapshot} has been seen. */
    public static ChangeCursor at(String snapshot) {
        return new ChangeCursor(snapshot, null, null, 0);
    }

    public boolean partial() {
        return to != null;
    }

    /** The snapshot this page reads up to: the stored target while paging, else the reader's own. */
    public ChangeCursor continuing(String target, String lastTxid, long lastSeq) {
        return new ChangeCursor(from, target, lastTxid, lastSeq);
    }

    public String encode() {
        String text = partial() ? VERSION + "|" + from + "|" + to + "|" + txid + "|" + seq : VERSION + "|" + from;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** The cursor a client sent; a 400 naming {@code parameter} when it is not one this service issued. */
    public static ChangeCursor decode(String parameter, String encoded) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.US_ASCII);
            String[] parts = text.split("\\|", -1);
            if (parts[0].equals(VERSION) && snapshot(parts[1])) {
                if (parts.length == 2) {
                    return at(parts[1]);
                }
                if (parts.length == 5 && snapshot(parts[2]) && XID.matcher(parts[3]).matches()) {
                    Long.parseUnsignedLong(parts[3]);
                    return new ChangeCursor(parts[1], parts[2], parts[3], Long.parseLong(parts[4]));
                }
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            // falls through to the validation error
        }
        throw ValidationException.of(parameter, "is not a cursor returned by this service");
    }

    /**
     * Whether PostgreSQL reads the text as a {@code pg_snapshot}: {@code xmin:xmax:xip,...}, unsigned 64-bit ids,
     * none zero, {@code xmin <= xip <= ... < xmax}. Checked here so that a forged cursor is a 400 naming the
     * parameter, not a failed statement.
     */
    private static boolean snapshot(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 3) {
            return false;
        }
        long xmin = xid(parts[0]);
        long xmax = xid(parts[1]);
        if (xmin == 0 || xmax == 0 || Long.compareUnsigned(xmax, xmin) < 0) {
            return false;
        }
        if (parts[2].isEmpty()) {
            return true;
        }
        String[] xip = parts[2].split(",", -1);
        if (xip.length > MAX_XIP) {
            return false;
        }
        long last = xmin;
        for (String id : xip) {
            long x = xid(id);
            if (x == 0 || Long.compareUnsigned(x, last) < 0 || Long.compareUnsigned(x, xmax) >= 0) {
                return false;
            }
            last = x;
        }
        return true;
    }

    /** The id, or 0 (never a valid one) when the text is not 1-20 digits of an unsigned 64-bit number. */
    private static long xid(String text) {
        if (!XID.matcher(text).matches()) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return encode();
    }
}
