package dev.banlist.decision;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Parses ban durations: {@code 30s}, {@code 15m}, {@code 4h}, {@code 7d}, {@code 2w}, combinations such as
 * {@code 1h30m}, ISO-8601 ({@code PT4H}, {@code P7D}) or {@code permanent} (an empty result).
 *
 * <p>Read by hand, in one pass over text of bounded length with exact arithmetic: a regular expression over
 * repeated groups recursed once per group (a long input overflowed the stack), and a sum of large parts overflowed.
 */
public final class BanDuration {

    /** Longer than any sensible duration ({@code 1w2d3h4m5s} is 10), short enough to echo in a message. */
    static final int MAX_LENGTH = 64;
    private static final int MAX_DIGITS = 9;
    private static final long SATURATED = Long.MAX_VALUE / 2;

    private BanDuration() {
    }

    /**
     * @return the duration, or empty for {@code permanent}
     * @throws IllegalArgumentException with a client-facing message
     */
    public static Optional<Duration> parse(String text, Duration max) {
        String s = text.strip();
        if (s.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("must be at most " + MAX_LENGTH + " characters, such as 4h or 7d");
        }
        if (s.equalsIgnoreCase("permanent")) {
            return Optional.empty();
        }
        Duration duration;
        if (s.length() > 1 && (s.charAt(0) == 'P' || s.charAt(0) == 'p')) {
            try {
                duration = Duration.parse(s);
            } catch (DateTimeParseException | ArithmeticException e) {
                throw new IllegalArgumentException(invalid(s));
            }
        } else {
            long seconds = simpleSeconds(s);
            if (seconds < 0) {
                throw new IllegalArgumentException(invalid(s));
            }
            duration = Duration.ofSeconds(seconds);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("must be positive");
        }
        if (duration.compareTo(max) > 0) {
            throw new IllegalArgumentException("must be at most " + max.toDays() + "d, or permanent");
        }
        return Optional.of(duration);
    }

    /** Seconds of one or more {@code <1-9 digits><unit>} parts; -1 when the text is not of that form. */
    private static long simpleSeconds(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        long total = 0;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            long n = 0;
            while (i < s.length() && i - start < MAX_DIGITS && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                n = n * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == start || i >= s.length()) {
                return -1;
            }
            long unit = switch (s.charAt(i)) {
                case 's' -> 1;
                case 'm' -> 60;
                case 'h' -> 3600;
                case 'd' -> 86_400;
                case 'w' -> 604_800;
                default -> -1;
            };
            if (unit < 0) {
                return -1;
            }
            i++;
            // A part is below 2^50 seconds; saturating keeps the sum exact up to any limit and never wraps.
            total = Math.min(total + n * unit, SATURATED);
        }
        return total;
    }

    private static String invalid(String text) {
        return "'" + text + "' is not a duration: use 30s, 15m, 4h, 7d, 1h30m, ISO-8601 (PT4H) or permanent";
    }
}
