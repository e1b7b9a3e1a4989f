package dev.banlist.security;

import java.util.List;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.persistence.Database;

/** Creates, lists and revokes API keys; the registry changes only after the database committed. */
@ApplicationScoped
public class ApiKeyService {

    private final Database database;
    private final ApiKeyRepository repository;
    private final ApiKeyRegistry registry;

    ApiKeyService(Database database, ApiKeyRepository repository, ApiKeyRegistry registry) {
        this.database = database;
        this.repository = repository;
        this.registry = registry;
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
                    registry.added(new ApiKeyRepository.Credential(hash, name, role));
                    return new CreatedKey(key, secret);
                });
    }

    public Uni<List<ApiKey>> list() {
        return database.read("key.list", repository::list);
    }

    public Uni<Void> revoke(long id) {
        return database.write("key.revoke", conn -> repository.delete(conn, id))
                .map(hash -> {
                    if (hash == null) {
                        throw ApiException.notFound("API key " + id);
                    }
                    registry.removed(hash);
                    return null;
                });
    }
}
