package dev.banlist.packaging;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.banlist.devdb.EmbeddedPostgresServer;

/** The database of the black-box tests: the configured one (DB_URL) when there is one, else the embedded one. */
final class TestDatabase {

    private TestDatabase() {
    }

    /** DB_URL, DB_USER and DB_PASSWORD, as the packaged service takes them from its environment. */
    static Map<String, String> coordinates() {
        Map<String, String> db = System.getenv("DB_URL") != null
                ? Map.of("DB_URL", System.getenv("DB_URL"), "DB_USER", System.getenv().getOrDefault("DB_USER", ""),
                        "DB_PASSWORD", System.getenv().getOrDefault("DB_PASSWORD", ""))
                : EmbeddedPostgresServer.ensureStarted();
        Map<String, String> env = new HashMap<>();
        env.put("DB_URL", db.get("DB_URL"));
        env.put("DB_USER", db.get("DB_USER"));
        env.put("DB_PASSWORD", db.get("DB_PASSWORD"));
        return env;
    }

    /** A JDBC connection as the service's own role, which lets it see the service's queries in pg_stat_activity. */
    static Connection connect(Map<String, String> coordinates) throws SQLException {
        return DriverManager.getConnection("jdbc:" + coordinates.get("DB_URL"), coordinates.get("DB_USER"),
                coordinates.get("DB_PASSWORD"));
    }

    /** The values of the source's active decisions, as PostgreSQL prints them (hosts with /32). */
    static Set<String> activeValues(Connection jdbc, String sourceName) throws SQLException {
        Set<String> values = new HashSet<>();
        try (var s = jdbc.prepareStatement("SELECT value::text FROM decisions WHERE origin = ? AND ended_at IS NULL"
                + " AND (expires_at IS NULL OR expires_at > now())")) {
            s.setString(1, "list:" + sourceName);
            s.setFetchSize(50_000);
            try (var rs = s.executeQuery()) {
                while (rs.next()) {
                    if (!values.add(rs.getString(1))) {
                        throw new AssertionError("decision " + rs.getString(1) + " of " + sourceName
                                + " is active twice");
                    }
                }
            }
        }
        return values;
    }

    static long count(Connection jdbc, String sql, Object... args) throws SQLException {
        try (var s = jdbc.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
