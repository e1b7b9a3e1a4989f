package dev.banlist.security;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import dev.banlist.config.BanlistConfig;
import dev.banlist.persistence.Database;
import dev.banlist.persistence.SchemaNotMigrated;
import dev.banlist.persistence.DatabaseException;
import dev.banlist.persistence.StructuredLog;

/**
 * The API keys this replica accepts, by hash, so that authentication needs no database round trip and keeps
 * working while the database is down. Reloaded every {@code banlist.keys.refresh-interval}, which bounds how long
 * a key revoked on another replica keeps working here; changes made on this replica apply once committed.
 */
@ApplicationScoped
public class ApiKeyRegistry {

    private static final Logger LOG = Logger.getLogger(ApiKeyRegistry.class);
    static final String BOOTSTRAP_NAME = "bootstrap-admin";
    private static final int MIN_BOOTSTRAP_LENGTH = 16;

    private final Database database;
    private final ApiKeyRepository repository;
    private final Optional<String> bootstrapHash;
    private volatile Map<String, ApiKeyRepository.Credential> byHash = Map.of();
    private volatile String lastFailure;
    /** Bumped by every local change, so that a reload that read before the change does not undo it. */
    private long generation;

    ApiKeyRegistry(Database database, ApiKeyRepository repository, BanlistConfig config) {
        this.database = database;
        this.repository = repository;
        Optional<String> admin = config.adminKey().filter(k -> !k.isBlank());
        if (admin.isPresent() && admin.get().length() < MIN_BOOTSTRAP_LENGTH) {
            LOG.errorf("BANLIST_ADMIN_KEY is shorter than %d characters and is ignored", MIN_BOOTSTRAP_LENGTH);
            admin = Optional.empty();
        }
        this.bootstrapHash = admin.map(ApiKeySecrets::hash);
    }

    /** The key's credential, or empty when this replica does not know the key. */
    public Optional<ApiKeyRepository.Credential> find(String key) {
        String hash = ApiKeySecrets.hash(key);
        if (bootstrapHash.isPresent() && bootstrapHash.get().equals(hash)) {
            return Optional.of(new ApiKeyRepository.Credential(bootstrapId(hash), hash, BOOTSTRAP_NAME, Roles.ADMIN));
        }
        return Optional.ofNullable(byHash.get(hash));
    }

    /** Stored keys have positive ids; the bootstrap key's is negative and changes with the key itself. */
    static long bootstrapId(String hash) {
        return -1 - Long.parseLong(hash.substring(0, 15), 16);
    }

    /** The names of the keys accepted here now, the bootstrap key's included. */
    public java.util.Set<String> names() {
        java.util.Set<String> names = new java.util.HashSet<>();
        byHash.values().forEach(credential -> names.add(credential.name()));
        if (bootstrapHash.isPresent()) {
            names.add(BOOTSTRAP_NAME);
        }
        return names;
    }

    /** Called after a key's creation committed. */
    void added(ApiKeyRepository.Credential credential) {
        change(keys -> keys.put(credential.hash(), credential));
    }

    /** Called after a key's deletion committed. */
    void removed(String hash) {
        change(keys -> keys.remove(hash));
    }

    private synchronized void change(Consumer<Map<String, ApiKeyRepository.Credential>> edit) {
        Map<String, ApiKeyRepository.Credential> next = new HashMap<>(byHash);
        edit.accept(next);
        byHash = Map.copyOf(next);
        generation++;
    }

    /** How many stored keys this replica accepts (the bootstrap key not counted). */
    public int knownKeys() {
        return byHash.size();
    }

    @Scheduled(every = "${banlist.keys.refresh-interval:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = SchemaNotMigrated.class)
    Uni<Void> refresh() {
        return Uni.createFrom().deferred(() -> {
            long seen = generation();
            return database.poll("keys.refresh", repository::credentials).invoke(c -> replace(c, seen));
        })
                .onFailure().invoke(this::reportOnce)
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private synchronized long generation() {
        return generation;
    }

    private void replace(List<ApiKeyRepository.Credential> credentials, long seen) {
        Map<String, ApiKeyRepository.Credential> next = new HashMap<>();
        credentials.forEach(c -> next.put(c.hash(), c));
        synchronized (this) {
            if (generation != seen) {
                return; // a local change committed meanwhile; the next reload sees it
            }
            byHash = Map.copyOf(next);
        }
        if (lastFailure != null) {
            LOG.info("event=keys_refresh_recovered");
            lastFailure = null;
        }
    }

    private void reportOnce(Throwable failure) {
        String code = failure instanceof DatabaseException db ? db.code().name() : failure.getClass().getSimpleName();
        if (!code.equals(lastFailure)) {
            lastFailure = code;
            if (failure instanceof DatabaseException db) {
                StructuredLog.warn(LOG, "keys_refresh_failed", db);
            } else {
                LOG.error("event=keys_refresh_failed", failure);
            }
        }
    }
}
