package dev.banlist.decision;

import java.time.Duration;

import dev.banlist.net.IpNetwork;

/** A validated decision to store; {@code duration} null means permanent. */
public record NewDecision(IpNetwork network, String type, String origin, String jail, String reason, Duration duration) {

    /** The identity under which a repeated ban extends the active decision instead of adding one. */
    public record Key(String value, String type, String origin) {
    }

    public Key key() {
        return new Key(network.toString(), type, origin);
    }
}
