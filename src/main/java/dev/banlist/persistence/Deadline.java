package dev.banlist.persistence;

import java.time.Duration;

/** The end of a unit of work's time budget, on the monotonic clock. */
record Deadline(long endNanos) {

    static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos());
    }

    /** Milliseconds left, never negative. */
    long remainingMillis() {
        return Math.max(0, (endNanos - System.nanoTime()) / 1_000_000);
    }

    boolean expired() {
        return endNanos - System.nanoTime() <= 0;
    }
}
