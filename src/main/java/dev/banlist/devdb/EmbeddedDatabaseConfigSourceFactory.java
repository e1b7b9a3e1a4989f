package dev.banlist.devdb;

import java.util.List;
import java.util.OptionalInt;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.common.MapBackedConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Supplies {@code DB_URL}, {@code DB_USER} and {@code DB_PASSWORD} from an embedded PostgreSQL in the dev and
 * test profiles when no database is configured in the environment or system properties.
 *
 * <p>The embedded server library has {@code provided} scope: it is on the dev and test classpaths only. In the
 * prod profile this factory returns nothing and never touches {@link EmbeddedPostgresServer}.
 */
public final class EmbeddedDatabaseConfigSourceFactory implements ConfigSourceFactory {

    /** Below application.properties (250), environment (300) and system properties (400). */
    private static final int ORDINAL = 50;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        List<String> profiles = context.getProfiles();
        boolean devOrTest = profiles.contains("dev") || profiles.contains("test");
        if (!devOrTest || EmbeddedPostgresServer.externalDatabaseConfigured()) {
            return List.of();
        }
        return List.of(new MapBackedConfigSource("EmbeddedPostgreSQL", EmbeddedPostgresServer.ensureStarted(), ORDINAL) {
        });
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
