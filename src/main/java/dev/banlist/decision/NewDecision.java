package dev.banlist.decision;

import java.time.Duration;

/**
 * A validated decision to store: {@code value} is the canonical text of its address or network
 * ({@link dev.banlist.net.IpNetwork#toString()}); {@code duration} null means permanent.
 */
public record NewDecision(String value, String type, String origin, String jail, String reason, Duration duration) {

    /** The identity under which a repeated ban extends the active decision instead of adding one. */
    public record Key(String value, String type, String origin) {
    }

    public Key key() {
        return new Key(value, type, origin);
    }
}
