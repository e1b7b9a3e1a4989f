package dev.banlist.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.banlist.support.Upstream;

/**
 * A replica frozen (SIGSTOP) in the middle of an import keeps its process and its TCP connections alive, so
 * neither a crash nor keepalive frees the source's lock: the lock connection's {@code idle_session_timeout}, kept
 * from firing by pings only while the holder runs, does. Another replica then runs the source, and when the frozen
 * one is resumed it finds its lock gone and applies nothing of its stale list.
 */
class FrozenImportIT {

    private static final int SIZE = 2_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration START = Duration.ofMinutes(3);
    /** The lock session's default timeout is 30 s; the other replica's run must follow within about a minute. */
    private static final Duration TAKEOVER = Duration.ofSeconds(90);

    @Test
    void aFrozenReplicaLosesTheSourceLockAndAppliesNothingWhenResumed() throws Exception {
        PublicNetworks supply = new PublicNetworks(20261130L);
        List<String> a = supply.next(SIZE);
        List<String> b = supply.next(SIZE);
        List<String> c = supply.next(SIZE);
        String name = "frozen-" + Long.toString(System.currentTimeMillis(), 36);
        String path = "/" + name + ".txt";
        Map<String, String> db = TestDatabase.coordinates();
        try (Upstream upstream = new Upstream(); Connection jdbc = TestDatabase.connect(db);
                PackagedService frozen = start(db, "frozen-it-0"); PackagedService other = start(db, "frozen-it-1")) {
            ServiceApi frozenApi = new ServiceApi(frozen).awaitReady(START);
            ServiceApi otherApi = new ServiceApi(other).awaitReady(START);
            upstream.list(path, PublicNetworks.body(a));
            long sourceId = frozenApi.createSource("{\"name\":\"" + name + "\",\"url\":\"" + upstream.url(path)
                    + "\",\"format\":\"plain\",\"interval\":\"1h\",\"enabled\":false}");
            assertEquals("success", frozenApi.awaitRun(sourceId, frozenApi.startRun(sourceId), TIMEOUT)
                    .path("status").asText());

            // B arrives in two parts with a pause between: the replica is frozen while it waits for the rest.
            byte[] bodyB = PublicNetworks.body(b);
            upstream.stalling(path, bodyB, bodyB.length / 2, 5_000);
            long frozenRun = frozenApi.startRun(sourceId);
            awaitRequests(upstream, path, 2);
            frozen.signal("STOP");
            Instant frozenAt = Instant.now();
            upstream.list(path, PublicNetworks.body(c));

            OptionalLong takeover = OptionalLong.empty();
            while (takeover.isEmpty()) {
                assertTrue(Duration.between(frozenAt, Instant.now()).compareTo(TAKEOVER) < 0,
                        "the frozen replica still holds the source's lock after " + TAKEOVER);
                Thread.sleep(1000);
                takeover = otherApi.tryStartRun(sourceId);
            }
            JsonNode run = otherApi.awaitRun(sourceId, takeover.getAsLong(), TIMEOUT);
            assertEquals("success", run.path("status").asText(), run.toString());
            System.out.println("FrozenImportIT: the other replica took the source over "
                    + Duration.between(frozenAt, Instant.now()).toSeconds() + " s after the freeze");
            assertEquals(new HashSet<>(c), TestDatabase.activeValues(jdbc, name));

            frozen.signal("CONT");
            JsonNode stale = otherApi.awaitRun(sourceId, frozenRun, TIMEOUT);
            assertNotEquals("success", stale.path("status").asText(), stale.toString());
            // Whatever the resumed replica does next (its run's end, its next tick), C stays whole.
            Thread.sleep(5_000);
            // activeValues also fails on a value active twice (a mix of two applies).
            Set<String> active = TestDatabase.activeValues(jdbc, name);
            assertEquals(new HashSet<>(c), active, "the resumed replica applied its stale list");
        }
    }

    private static PackagedService start(Map<String, String> db, String instance) throws Exception {
        Map<String, String> env = new HashMap<>(db);
        env.put("BANLIST_ADMIN_KEY", ServiceApi.ADMIN_KEY);
        env.put("BANLIST_SOURCES_ALLOW_PRIVATE_ADDRESSES", "true");
        env.put("BANLIST_INSTANCE", instance);
        return new PackagedService(env);
    }

    private static void awaitRequests(Upstream upstream, String path, int count) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (upstream.requests(path).size() < count) {
            assertTrue(Instant.now().isBefore(deadline), "the run never asked the upstream");
            Thread.sleep(20);
        }
        Thread.sleep(500); // the first half of the body is read; the replica now waits for the rest
    }
}
