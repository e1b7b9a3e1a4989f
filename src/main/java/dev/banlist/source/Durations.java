package dev.banlist.source;

import java.time.Duration;

/** Durations as the API writes them: {@code 1d}, {@code 1h30m}, {@code 45s}. */
final class Durations {

    private Durations() {
    }

    static String format(Duration d) {
        if (d == null) {
            return null;
        }
        long s = d.toSeconds();
        if (s == 0) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long[] units = { 86400, 3600, 60, 1 };
        char[] names = { 'd', 'h', 'm', 's' };
        for (int i = 0; i < units.length; i++) {
            if (s >= units[i]) {
                out.append(s / units[i]).append(names[i]);
                s %= units[i];
            }
        }
        return out.toString();
    }
}
