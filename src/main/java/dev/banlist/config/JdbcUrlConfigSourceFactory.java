package dev.banlist.config;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Derives Flyway's JDBC URL from the one database URL ({@code jdbc:} + the reactive URL), and leaves it unset
 * when no database is configured so that nothing tries to use an empty URL.
 */
public final class JdbcUrlConfigSourceFactory implements ConfigSourceFactory {

    private static final int ORDINAL = 40;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue url = context.getValue("quarkus.datasource.reactive.url");
        if (url == null || url.getValue() == null || url.getValue().isBlank()) {
            return List.of();
        }
        String reactive = url.getValue().split(",")[0].trim();
        return List.of(new MapBackedConfigSource("DerivedJdbcUrl",
                Map.of("quarkus.datasource.jdbc.url", "jdbc:" + reactive), ORDINAL) {
        });
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
