package dev.banlist.security;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A stored API key as listed: never its secret, which exists only in the creation reply. {@code clients} are the
 * CrowdSec bouncers seen pulling with it (client address and {@code User-Agent}), most recent first.
 */
@RegisterForReflection
public record ApiKey(long id, String name, String role, Instant createdAt, List<Client> clients) {

    /** One bouncer identity of a key and its last pull of the decision stream. */
    @RegisterForReflection
    public record Client(String address, String userAgent, Instant lastPull) {
    }

    public ApiKey withClients(List<Client> seen) {
        return new ApiKey(id, name, role, createdAt, seen);
    }
}
