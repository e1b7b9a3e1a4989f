package dev.banlist.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.banlist.support.Upstream;

/**
 * A replica killed (SIGKILL) in the middle of applying a large list: the apply is one transaction, so the database
 * keeps the old list whole, nothing of the run stays behind (staging table, advisory lock), and the next run marks
 * the killed one {@code INTERRUPTED} and applies the new list.
 */
class ImportCrashIT {

    private static final int SIZE = 300_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /**
     * Moments of the apply to kill the service in, each recognised by the statement it is executing: while it
     * stages the list, and in the last statement of the diff (the entries the list dropped are ended by then, in
     * the same transaction). Each kill costs a service start, so two.
     */
    private enum Moment {
        STAGING("INSERT INTO import_staging"),
        ADDING("INSERT INTO decisions AS d");

        final String statement;

        Moment(String statement) {
            this.statement = statement;
        }
    }

    @Test
    void aKilledApplyLeavesTheOldListWholeAndTheNextRunAppliesTheNewOne() throws Exception {
        PublicNetworks supply = new PublicNetworks(20260301L);
        List<String> a = supply.next(SIZE);
        List<String> b = new ArrayList<>(SIZE);
        for (int i = 0; i < a.size(); i++) {
            if (i % 14 != 0) {
                b.add(a.get(i));
            }
        }
        int replaced = SIZE - b.size();
        b.addAll(supply.next(replaced));
        Set<String> listA = new HashSet<>(a);
        Set<String> listB = new HashSet<>(b);

        String name = "crash-" + Long.toString(System.currentTimeMillis(), 36);
        String path = "/" + name + ".txt";
        Map<String, String> db = TestDatabase.coordinates();
        List<PackagedService> services = new ArrayList<>();
        Map<Moment, String> outcomes = new LinkedHashMap<>();
        try (Upstream upstream = new Upstream(); Connection jdbc = TestDatabase.connect(db)) {
            upstream.list(path, PublicNetworks.body(a));
            ServiceApi api = start(db, services);
            long sourceId = api.createSource("{\"name\":\"" + name + "\",\"url\":\"" + upstream.url(path)
                    + "\",\"format\":\"plain\",\"interval\":\"1m\",\"enabled\":false}");
            JsonNode first = api.awaitRun(sourceId, api.startRun(sourceId), TIMEOUT);
            assertEquals("success", first.path("status").asText(), first.toString());
            assertEquals(SIZE, first.path("added").asInt(), first.toString());
            assertSameSet(listA, TestDatabase.activeValues(jdbc, name), "A", "after the first import");

            upstream.list(path, PublicNetworks.body(b));
            List<Long> interrupted = new ArrayList<>();
            boolean committed = false;
            for (Moment moment : Moment.values()) {
                if (moment != Moment.STAGING) {
                    api = start(db, services);
                }
                PackagedService service = services.get(services.size() - 1);
                long runId = api.startRun(sourceId);
                long started = System.nanoTime();
                awaitStatement(jdbc, moment, runId, api);
                service.kill();
                long killedAt = System.nanoTime();
                long killedAfter = (killedAt - started) / 1_000_000;
                Map<String, Long> cleared = awaitNothingLeftBehind(jdbc, killedAt);

                Set<String> active = TestDatabase.activeValues(jdbc, name);
                String status = runStatus(jdbc, runId);
                if (active.equals(listA)) {
                    assertEquals("running", status, "the killed run stays 'running' until the next run");
                    assertEquals(SIZE, TestDatabase.count(jdbc, "SELECT count(*) FROM decisions WHERE origin = ?",
                            "list:" + name), "no row the killed run added or ended survives");
                    interrupted.add(runId);
                    outcomes.put(moment, "killed " + killedAfter + " ms into the run, A kept,"
                            + " gone after (ms) " + cleared);
                } else if (active.equals(listB)) {
                    // The kill landed after the commit (the statement seen was the last one): legitimate, but
                    // then there is nothing left to interrupt.
                    assertEquals("success", status, "B is only there if the killed run committed");
                    outcomes.put(moment, "killed " + killedAfter + " ms into the run, after its commit: B applied,"
                            + " gone after (ms) " + cleared);
                    committed = true;
                    break;
                } else {
                    assertSameSet(listA, active, "A", "after a kill during " + moment + ", neither A nor B is active");
                }
            }

            api = start(db, services);
            JsonNode last = api.awaitRun(sourceId, api.startRun(sourceId), TIMEOUT);
            if (committed) {
                assertEquals("not_modified", last.path("status").asText(), last.toString());
            } else {
                assertEquals("success", last.path("status").asText(), last.toString());
                assertEquals(replaced, last.path("added").asInt(), last.toString());
                assertEquals(replaced, last.path("removed").asInt(), last.toString());
            }
            assertSameSet(listB, TestDatabase.activeValues(jdbc, name), "B", "after the run that followed the kills");
            for (long runId : interrupted) {
                JsonNode run = api.run(sourceId, runId);
                assertEquals("failed", run.path("status").asText(), run.toString());
                assertEquals("INTERRUPTED", run.path("error_code").asText(), run.toString());
                assertTrue(run.hasNonNull("finished_at"), run.toString());
            }
            JsonNode source = api.get("/api/v1/sources/" + sourceId);
            assertEquals("ok", source.path("status").asText(), source.toString());
            assertEquals(SIZE, source.path("entries").asInt(), source.toString());
            System.out.println("ImportCrashIT: " + outcomes);
        } finally {
            services.forEach(PackagedService::close);
        }
    }

    private static ServiceApi start(Map<String, String> db, List<PackagedService> services)
            throws Exception {
        Map<String, String> env = new HashMap<>(db);
        env.put("BANLIST_ADMIN_KEY", ServiceApi.ADMIN_KEY);
        env.put("BANLIST_SOURCES_ALLOW_PRIVATE_ADDRESSES", "true");
        env.put("BANLIST_INSTANCE", "crash-it-" + services.size());
        PackagedService service = new PackagedService(env);
        services.add(service);
        return new ServiceApi(service).awaitReady(TIMEOUT);
    }

    /** Polls pg_stat_activity until the service's pooled connection is executing the moment's statement. */
    private static void awaitStatement(Connection jdbc, Moment moment, long runId, ServiceApi api) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        try (var s = jdbc.prepareStatement("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                + " AND application_name = 'banlist' AND state = 'active' AND position(? in query) > 0")) {
            s.setString(1, moment.statement);
            for (int i = 1;; i++) {
                try (var rs = s.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
                if (i % 100 == 0) {
                    String status = runStatus(jdbc, runId);
                    if (!"running".equals(status)) {
                        fail("run " + runId + " ended (" + status + ") before it was seen in " + moment + ":\n"
                                + api.output());
                    }
                    assertTrue(Instant.now().isBefore(deadline), "not seen in " + moment + ":\n" + api.output());
                }
                Thread.sleep(1);
            }
        }
    }

    /**
     * Waits until the killed service's sessions are gone and checks that they took everything with them; returns
     * how long after the kill each check first held. The server drops the idle lock session at once, but notices
     * the dead client of the apply session only when the statement it is running ends. (A staging table is never
     * visible to other sessions before a commit; the check is for one that would outlive its transaction.)
     */
    private static Map<String, Long> awaitNothingLeftBehind(Connection jdbc, long killedAt) throws Exception {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("advisory locks", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        checks.put("sessions", "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND application_name IN ('banlist', 'banlist-lock')");
        checks.put("staging tables", "SELECT count(*) FROM pg_class WHERE relname = 'import_staging'");
        Map<String, Long> clearedAfter = new LinkedHashMap<>();
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (true) {
            Map<String, Long> left = new LinkedHashMap<>();
            for (Map.Entry<String, String> check : checks.entrySet()) {
                long count = TestDatabase.count(jdbc, check.getValue());
                if (count > 0) {
                    left.put(check.getKey(), count);
                } else {
                    clearedAfter.putIfAbsent(check.getKey(), (System.nanoTime() - killedAt) / 1_000_000);
                }
            }
            if (left.isEmpty()) {
                return clearedAfter;
            }
            assertTrue(Instant.now().isBefore(deadline), "left behind by the killed service: " + left);
            Thread.sleep(5);
        }
    }

    private static String runStatus(Connection jdbc, long runId) throws SQLException {
        try (var s = jdbc.prepareStatement("SELECT status FROM source_runs WHERE id = ?")) {
            s.setLong(1, runId);
            try (var rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void assertSameSet(Set<String> expected, Set<String> actual, String expectedName, String when) {
        if (expected.equals(actual)) {
            return;
        }
        List<String> missing = expected.stream().filter(v -> !actual.contains(v)).sorted().limit(5).toList();
        List<String> extra = actual.stream().filter(v -> !expected.contains(v)).sorted().limit(5).toList();
        fail(when + ": " + actual.size() + " active decisions instead of list " + expectedName + " ("
                + expected.size() + "); missing e.g. " + missing + ", not in the list e.g. " + extra);
    }
}
