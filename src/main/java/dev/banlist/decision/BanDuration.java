package dev.banlist.decision;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses ban durations: {@code 30s}, {@code 15m}, {@code 4h}, {@code 7d}, {@code 2w}, combinations such as
 * {@code 1h30m}, ISO-8601 ({@code PT4H}, {@code P7D}) or {@code permanent} (an empty result).
 */
public final class BanDuration {

    private static final Pattern SIMPLE = Pattern.compile("(?:\\d{1,9}[smhdw])+");
    private static final Pattern PART = Pattern.compile("(\\d{1,9})([smhdw])");

    private BanDuration() {
    }

    /**
     * @return the duration, or empty for {@code permanent}
     * @throws IllegalArgumentException with a client-facing message
     */
    public static Optional<Duration> parse(String text, Duration max) {
        String s = text.strip();
        if (s.equalsIgnoreCase("permanent")) {
            return Optional.empty();
        }
        Duration duration;
        if (SIMPLE.matcher(s).matches()) {
            duration = Duration.ZERO;
            Matcher m = PART.matcher(s);
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                duration = duration.plus(switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(7 * n);
                });
            }
        } else if (s.length() > 1 && (s.charAt(0) == 'P' || s.charAt(0) == 'p')) {
            try {
                duration = Duration.parse(s);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(invalid(text));
            }
        } else {
            throw new IllegalArgumentException(invalid(text));
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("must be positive");
        }
        if (duration.compareTo(max) > 0) {
            throw new IllegalArgumentException("must be at most " + max.toDays() + "d, or permanent");
        }
        return Optional.of(duration);
    }

    private static String invalid(String text) {
        return "'" + text + "' is not a duration: use 30s, 15m, 4h, 7d, 1h30m, ISO-8601 (PT4H) or permanent";
    }
}
