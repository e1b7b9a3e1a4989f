package dev.banlist.security;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.config.BanlistConfig;
import dev.banlist.distribution.crowdsec.BouncerCursorRepository;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.persistence.Database;

/** Creates, lists and revokes API keys; the registry changes only after the database committed. */
@ApplicationScoped
public class ApiKeyService {

    private final Database database;
    private final ApiKeyRepository repository;
    private final ApiKeyRegistry registry;
    private final BouncerCursorRepository cursors;
    private final int maxBouncersPerKey;

    ApiKeyService(Database database, ApiKeyRepository repository, ApiKeyRegistry registry,
            BouncerCursorRepository cursors, BanlistConfig config) {
        this.database = database;
        this.repository = repository;
        this.registry = registry;
        this.cursors = cursors;
        this.maxBouncersPerKey = config.distribution().maxBouncersPerKey();
    }

    /** A new key and its secret, which is not stored and cannot be shown again. */
    public record CreatedKey(ApiKey key, String secret) {
    }

    public Uni<CreatedKey> create(String name, String role) {
        if (ApiKeyRegistry.BOOTSTRAP_NAME.equals(name)) {
            throw new ApiException(ErrorCode.CONFLICT, "The name '" + name + "' is reserved.");
        }
        String secret = ApiKeySecrets.generate();
        String hash = ApiKeySecrets.hash(secret);
        return database.write("key.create", conn -> repository.insert(conn, name, role, hash))
                .map(key -> {
                    if (key == null) {
                        throw new ApiException(ErrorCode.CONFLICT, "A key named '" + name + "' exists already.");
                    }
                    registry.added(new ApiKeyRepository.Credential(key.id(), hash, name, role));
                    return new CreatedKey(key, secret);
                });
    }

    /** The keys, each with the bouncer identities seen pulling with it. */
    public Uni<List<ApiKey>> list() {
        return database.read("key.list", conn -> repository.list(conn)
                .chain(keys -> cursors.seen(conn, maxBouncersPerKey).map(seen -> {
                    Map<Long, List<ApiKey.Client>> byKey = new HashMap<>();
                    for (BouncerCursorRepository.Seen s : seen) {
                        byKey.computeIfAbsent(s.keyId(), id -> new ArrayList<>())
                                .add(new ApiKey.Client(s.client(), s.userAgent(), s.lastPull()));
                    }
                    return keys.stream().map(k -> k.withClients(byKey.getOrDefault(k.id(), List.of()))).toList();
                })));
    }

    public Uni<Void> revoke(long id) {
        return database.write("key.revoke", conn -> repository.delete(conn, id)
                        .call(hash -> hash == null ? Uni.createFrom().voidItem() : cursors.deleteKey(conn, id)))
                .map(hash -> {
                    if (hash == null) {
                        throw ApiException.notFound("API key " + id);
                    }
                    registry.removed(hash);
                    return null;
                });
    }
}
