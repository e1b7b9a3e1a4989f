package dev.banlist.index;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.metric;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import dev.banlist.devdb.EmbeddedPostgresServer;
import dev.banlist.support.TestSupport;

/**
 * A listener connection that dies without closing (its server process frozen with SIGSTOP, as a partition looks)
 * is found by the periodic check and replaced. The index polls only every hour here, so a ban written straight
 * into the database reaches it through a notification or not at all.
 */
@QuarkusTest
@TestProfile(ListenerCheckTest.NotificationsOnly.class)
class ListenerCheckTest {

    public static class NotificationsOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("banlist.distribution.listener-check-interval", "1s",
                    "banlist.distribution.index-poll-interval", "1h", "banlist.sources.schedule-tick", "1h");
        }
    }

    private static final String LISTENER = "SELECT pid FROM pg_stat_activity WHERE application_name = 'banlist-listen'";

    private static long listener() throws Exception {
        try (Connection c = TestSupport.jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(LISTENER + " ORDER BY backend_start DESC LIMIT 1")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
    }

    private static boolean banned(String ip) {
        return admin().queryParam("ip", ip).get("/api/v1/check").then().statusCode(200).extract().<Boolean>path("banned");
    }

    @Test
    void aTerminatedListenerConnectionIsReplacedAndNotificationsFlowAgain() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> listener() > 0);
        long terminated = listener();
        double reconnects = metric("banlist_notifications_reconnects_total");
        try (Connection c = TestSupport.jdbc(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(" + terminated + ")");
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> metric("banlist_notifications_reconnects_total") > reconnects);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> listener() > 0 && listener() != terminated);
        try (Connection c = TestSupport.jdbc(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO decisions (value, type, origin, expires_at) VALUES ('198.18.91.132', 'ban', 'listener-test', now() + interval '1 hour')");
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> banned("198.18.91.132"));
    }

    @Test
    void aFrozenListenerConnectionIsReplacedAndNotificationsFlowAgain() throws Exception {
        assumeTrue(System.getProperty(EmbeddedPostgresServer.PORT_PROPERTY) != null,
                "needs the embedded PostgreSQL, whose server process this test freezes");
        await().atMost(Duration.ofSeconds(30)).until(() -> listener() > 0);
        long frozen = listener();
        double reconnects = metric("banlist_notifications_reconnects_total");
        signal("STOP", frozen);
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> metric("banlist_notifications_reconnects_total") > reconnects);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                try (Connection c = TestSupport.jdbc(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery(LISTENER + " AND pid <> " + frozen)) {
                    return rs.next();
                }
            });
            try (Connection c = TestSupport.jdbc(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO decisions (value, type, origin, expires_at) VALUES ('198.18.91.131', 'ban', 'listener-test', now() + interval '1 hour')");
            }
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> banned("198.18.91.131"));
        } finally {
            signal("CONT", frozen);
            try (Connection c = TestSupport.jdbc(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(" + frozen + ")");
            }
        }
    }
}
