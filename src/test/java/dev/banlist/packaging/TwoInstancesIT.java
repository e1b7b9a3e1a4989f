package dev.banlist.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.banlist.support.Upstream;

/**
 * Two replicas on one database with the same schedule: every due source is fetched and applied once, by one of
 * them; the other, finding the source's lock taken, logs {@code skipped_locked} or finds the source no longer due.
 */
class TwoInstancesIT {

    private static final int SOURCES = 6;
    private static final int ENTRIES = 40;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Ticks (of 1 s) each replica gets after the last first run, in which nothing more may run. */
    private static final Duration QUIET = Duration.ofSeconds(5);

    @Test
    void eachDueSourceIsFetchedAndAppliedOnceAcrossTwoInstances() throws Exception {
        Map<String, String> db = TestDatabase.coordinates();
        String prefix = "two-" + Long.toString(System.currentTimeMillis(), 36) + "-";
        try (Upstream upstream = new Upstream();
                PackagedService one = new PackagedService(env(db, "it-one"));
                PackagedService two = new PackagedService(env(db, "it-two"));
                Connection jdbc = TestDatabase.connect(db)) {
            ServiceApi apiOne = new ServiceApi(one).awaitReady(TIMEOUT);
            ServiceApi apiTwo = new ServiceApi(two).awaitReady(TIMEOUT);

            PublicNetworks supply = new PublicNetworks(4242L);
            Map<Long, String> names = new TreeMap<>();
            Map<Long, List<String>> lists = new HashMap<>();
            for (int i = 1; i <= SOURCES; i++) {
                String name = prefix + i;
                String path = "/" + name + ".txt";
                List<String> entries = supply.next(ENTRIES);
                upstream.list(path, PublicNetworks.body(entries));
                long id = apiOne.createSource("{\"name\":\"" + name + "\",\"url\":\"" + upstream.url(path)
                        + "\",\"format\":\"plain\",\"interval\":\"1m\",\"enabled\":true}");
                names.put(id, name);
                lists.put(id, entries);
            }

            Instant deadline = Instant.now().plus(TIMEOUT);
            while (!names.keySet().stream().allMatch(id -> apiTwo.runs(id).stream()
                    .anyMatch(run -> "success".equals(run.path("status").asText())))) {
                assertTrue(Instant.now().isBefore(deadline), "not every source was imported:\n" + apiOne.output()
                        + "\n" + apiTwo.output());
                Thread.sleep(100);
            }
            Thread.sleep(QUIET.toMillis()); // the window in which a second run would show

            Map<String, Map<String, Integer>> perInstance = new TreeMap<>();
            List<String> problems = new ArrayList<>();
            for (Map.Entry<Long, String> source : names.entrySet()) {
                long id = source.getKey();
                String name = source.getValue();
                List<JsonNode> runs = apiOne.runs(id);
                int successes = 0;
                for (JsonNode run : runs) {
                    String status = run.path("status").asText();
                    perInstance.computeIfAbsent(run.path("instance").asText(), k -> new TreeMap<>())
                            .merge(status, 1, Integer::sum);
                    if (status.equals("success")) {
                        successes++;
                        if (run.path("added").asInt() != ENTRIES || !"schedule".equals(run.path("trigger").asText())) {
                            problems.add(name + ": unexpected run " + run);
                        }
                    } else if (!status.equals("skipped_locked")) {
                        problems.add(name + ": run neither success nor skipped_locked: " + run);
                    }
                }
                if (successes != 1) {
                    problems.add(name + ": " + successes + " successful runs");
                }
                int fetches = upstream.requests("/" + name + ".txt").size();
                if (fetches != 1) {
                    problems.add(name + ": fetched " + fetches + " times");
                }
                Set<String> active = TestDatabase.activeValues(jdbc, name);
                if (!active.equals(new HashSet<>(lists.get(id)))) {
                    problems.add(name + ": active decisions " + active + " are not its list " + lists.get(id));
                }
                long rows = TestDatabase.count(jdbc, "SELECT count(*) FROM decisions WHERE origin = ?", "list:" + name);
                if (rows != ENTRIES) {
                    problems.add(name + ": " + rows + " decision rows for " + ENTRIES + " entries");
                }
            }
            String report = "runs per instance and status: " + perInstance;
            System.out.println("TwoInstancesIT: " + report);
            assertEquals(List.of(), problems, report);
            assertTrue(perInstance.keySet().stream().allMatch(i -> i.equals("it-one") || i.equals("it-two")), report);
        }
    }

    private static Map<String, String> env(Map<String, String> db, String instance) {
        Map<String, String> env = new HashMap<>(db);
        env.put("BANLIST_ADMIN_KEY", ServiceApi.ADMIN_KEY);
        env.put("BANLIST_SOURCES_ALLOW_PRIVATE_ADDRESSES", "true");
        env.put("BANLIST_SOURCES_SCHEDULE_TICK", "1s");
        env.put("BANLIST_INSTANCE", instance);
        return env;
    }
}
