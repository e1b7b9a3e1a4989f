package dev.banlist.security;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A stored API key as listed: never its secret, which exists only in the creation reply. */
@RegisterForReflection
public record ApiKey(long id, String name, String role, Instant createdAt) {
}
