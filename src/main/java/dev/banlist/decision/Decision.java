package dev.banlist.decision;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A stored ban decision as the API shows it. {@code expiresAt} null: permanent; {@code endedAt} set: unbanned. */
@RegisterForReflection
public record Decision(long id, String value, String scope, String type, String origin, String jail, String reason,
        Instant createdAt, Instant expiresAt, Instant endedAt) {
}
