package dev.banlist.security;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;

/** A stored API key as listed: never its secret, which exists only in the creation reply. */
@RegisterForReflection
public record ApiKey(long id, String name, String role, Instant createdAt) {
}
