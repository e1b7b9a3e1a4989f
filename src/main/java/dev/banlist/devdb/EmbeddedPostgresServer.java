package dev.banlist.devdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * One embedded PostgreSQL per JVM for dev mode and tests.
 *
 * <p>Its coordinates are published as system properties so that every class loader of the JVM (Quarkus builds
 * and reloads the application in several) finds the running server instead of starting another one. Password
 * authentication is enforced for the application role, as on a real server, so that a wrong password fails.
 */
public final class EmbeddedPostgresServer {

    public static final String PORT_PROPERTY = "embedded-postgres.port";
    public static final String DATA_DIR_PROPERTY = "embedded-postgres.data-dir";
    public static final String BIN_DIR_PROPERTY = "embedded-postgres.bin-dir";
    private static final String HBA_FILE_PROPERTY = "embedded-postgres.hba-file";

    /** Durability is traded for speed: this server only ever holds dev and test data. */
    private static final Map<String, String> SERVER_CONFIG = Map.of(
            "max_connections", "200",
            "fsync", "off",
            "synchronous_commit", "off",
            "full_page_writes", "off");

    static final String DATABASE = "banlist";
    static final String USER = "banlist";
    static final String PASSWORD = "banlist";

    private static EmbeddedPostgres server;

    private EmbeddedPostgresServer() {
    }

    static boolean externalDatabaseConfigured() {
        for (String name : List.of("DB_URL", "QUARKUS_DATASOURCE_REACTIVE_URL", "quarkus.datasource.reactive.url")) {
            if (notBlank(System.getenv(name)) || notBlank(System.getProperty(name))) {
                return true;
            }
        }
        return false;
    }

    public static synchronized Map<String, String> ensureStarted() {
        String port = System.getProperty(PORT_PROPERTY);
        if (port == null) {
            port = Integer.toString(start());
        }
        return Map.of(
                "DB_URL", "postgresql://localhost:" + port + "/" + DATABASE,
                "DB_USER", USER,
                "DB_PASSWORD", PASSWORD,
                PORT_PROPERTY, port);
    }

    private static int start() {
        try {
            Path dataDir = Files.createTempDirectory("banlist-pg-");
            Path hba = Files.createTempFile("banlist-pg-hba-", ".conf");
            Files.writeString(hba, String.join("\n",
                    "local all all trust",
                    "host all postgres 127.0.0.1/32 trust",
                    "host all postgres ::1/128 trust",
                    "host all all 127.0.0.1/32 scram-sha-256",
                    "host all all ::1/128 scram-sha-256", ""));
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(true)
                    .setServerConfig("hba_file", hba.toString());
            SERVER_CONFIG.forEach(builder::setServerConfig);
            server = builder.start();
            try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
                s.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
            }
            System.setProperty(PORT_PROPERTY, Integer.toString(server.getPort()));
            System.setProperty(DATA_DIR_PROPERTY, dataDir.toString());
            System.setProperty(BIN_DIR_PROPERTY, binDir().toString());
            System.setProperty(HBA_FILE_PROPERTY, hba.toString());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(hba)));
            return server.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        } catch (SQLException e) {
            throw new IllegalStateException("could not prepare the embedded PostgreSQL", e);
        }
    }

    /** Stops the running server (fast shutdown), keeping its data: used by tests that take the database away. */
    public static void stop() {
        pgCtl("stop", "-m", "fast", "-w", "-t", "30");
    }

    /** Starts the server again on the same port and data. */
    public static void restart() {
        StringBuilder options = new StringBuilder("-p " + System.getProperty(PORT_PROPERTY) + " -F");
        options.append(" -c hba_file=").append(System.getProperty(HBA_FILE_PROPERTY));
        SERVER_CONFIG.forEach((key, value) -> options.append(" -c ").append(key).append('=').append(value));
        pgCtl("start", "-w", "-t", "30", "-o", options.toString());
    }

    private static void pgCtl(String... args) {
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.add(Path.of(System.getProperty(BIN_DIR_PROPERTY), "pg_ctl").toString());
        command.addAll(List.of("-D", System.getProperty(DATA_DIR_PROPERTY)));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("pg_ctl " + args[0] + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path binDir() {
        try {
            var field = EmbeddedPostgres.class.getDeclaredField("pgDir");
            field.setAccessible(true);
            return ((java.io.File) field.get(server)).toPath().resolve("bin");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot locate the embedded PostgreSQL binaries", e);
        }
    }

    private static boolean notBlank(String value) {
        return value != null && !value.isBlank();
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }
}
