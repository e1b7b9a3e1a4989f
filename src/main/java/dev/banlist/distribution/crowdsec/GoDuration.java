package dev.banlist.distribution.crowdsec;

/**
 * Durations as Go's {@code time.Duration.String()} writes them ({@code 1h0m0.5s}, {@code 1.5µs}, {@code 0s}):
 * CrowdSec clients are written in Go and read durations in this form. A port of Go's {@code Duration.format}.
 */
public final class GoDuration {

    private static final long MICROSECOND = 1_000;
    private static final long MILLISECOND = 1_000_000;
    private static final long SECOND = 1_000_000_000;

    private GoDuration() {
    }

    public static String format(long nanos) {
        // Go works on the unsigned magnitude, which also holds the magnitude of Long.MIN_VALUE.
        long u = nanos < 0 ? -nanos : nanos;
        char[] buf = new char[32];
        int w = buf.length;
        if (Long.compareUnsigned(u, SECOND) < 0) {
            int precision;
            buf[--w] = 's';
            w--;
            if (u == 0) {
                buf[w] = '0';
                return new String(buf, w, buf.length - w);
            } else if (u < MICROSECOND) {
                precision = 0;
                buf[w] = 'n';
            } else if (u < MILLISECOND) {
                precision = 3;
                buf[w] = '\u00b5';
            } else {
                precision = 6;
                buf[w] = 'm';
            }
            w = fraction(buf, w, u, precision);
            u = divide(u, precision);
            w = integer(buf, w, u);
        } else {
            buf[--w] = 's';
            w = fraction(buf, w, u, 9);
            u = Long.divideUnsigned(u, SECOND);
            // u is now whole seconds
            w = integer(buf, w, u % 60);
            u /= 60;
            if (u > 0) {
                buf[--w] = 'm';
                w = integer(buf, w, u % 60);
                u /= 60;
                // Go stops at hours because days differ in length.
                if (u > 0) {
                    buf[--w] = 'h';
                    w = integer(buf, w, u);
                }
            }
        }
        if (nanos < 0) {
            buf[--w] = '-';
        }
        return new String(buf, w, buf.length - w);
    }

    /** Writes the {@code precision} lowest decimal digits of {@code v} as a fraction, without trailing zeros. */
    private static int fraction(char[] buf, int w, long v, int precision) {
        boolean print = false;
        for (int i = 0; i < precision; i++) {
            int digit = (int) Long.remainderUnsigned(v, 10);
            print |= digit != 0;
            if (print) {
                buf[--w] = (char) ('0' + digit);
            }
            v = Long.divideUnsigned(v, 10);
        }
        if (print) {
            buf[--w] = '.';
        }
        return w;
    }

    private static long divide(long v, int digits) {
        for (int i = 0; i < digits; i++) {
            v = Long.divideUnsigned(v, 10);
        }
        return v;
    }

    private static int integer(char[] buf, int w, long v) {
        if (v == 0) {
            buf[--w] = '0';
            return w;
        }
        while (v != 0) {
            buf[--w] = (char) ('0' + Long.remainderUnsigned(v, 10));
            v = Long.divideUnsigned(v, 10);
        }
        return w;
    }
}
