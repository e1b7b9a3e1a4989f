package dev.banlist.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.banlist.net.IpNetwork;

class DecisionIndexTest {

    private static final long NOW = 1_000_000_000_000L;
    private static final long LATER = NOW + 3_600_000_000L;

    private static IndexedDecision d(long id, String network) {
        return d(id, network, LATER);
    }

    private static IndexedDecision d(long id, String network, long expires) {
        return IndexedDecision.of(id, IpNetwork.parse(network), "ban", "test", null, null, NOW, expires);
    }

    private static List<Long> ids(List<IndexedDecision> found) {
        return found.stream().map(IndexedDecision::id).toList();
    }

    private static List<Long> covering(DecisionIndex index, String address) {
        return ids(index.covering(IpNetwork.parse(address), NOW));
    }

    @Test
    void nestedNetworksAreFoundMostSpecificFirstForBothFamilies() {
        DecisionIndex index = new DecisionIndex();
        index.replaceAll(List.of(d(1, "198.0.0.0/8"), d(2, "198.51.0.0/16"), d(3, "198.51.100.0/24"),
                d(4, "198.51.100.7"), d(5, "0.0.0.0/0"), d(6, "2001:db8::/32"), d(7, "2001:db8:1::/48"),
                d(8, "2001:db8:1::7"), d(9, "::/0")));
        assertEquals(List.of(4L, 3L, 2L, 1L, 5L), covering(index, "198.51.100.7"));
        assertEquals(List.of(3L, 2L, 1L, 5L), covering(index, "198.51.100.8"));
        assertEquals(List.of(5L), covering(index, "203.0.113.1"));
        assertEquals(List.of(8L, 7L, 6L, 9L), covering(index, "2001:db8:1::7"));
        assertEquals(List.of(6L, 9L), covering(index, "2001:db8:2::1"));
        assertEquals(List.of(3L, 2L, 1L, 5L), covering(index, "198.51.100.0/25"), "a network inside the /24");
        assertEquals(List.of(4L, 3L), ids(index.within(IpNetwork.parse("198.51.100.0/24"), NOW)));
        assertEquals(9, index.size());
    }

    @Test
    void severalDecisionsOnOneNetworkExpiryUpsertAndRemoval() {
        DecisionIndex index = new DecisionIndex();
        index.replaceAll(List.of(d(1, "203.0.113.5"), d(2, "203.0.113.5"), d(3, "203.0.113.5", NOW - 1)));
        assertEquals(List.of(1L, 2L), covering(index, "203.0.113.5"), "the expired one is not answered");
        assertEquals(3, index.size());

        index.apply(List.of(d(2, "203.0.113.5", LATER + 1)), List.of());
        assertEquals(3, index.size(), "an upsert with a known id replaces it");
        assertEquals(LATER + 1, index.covering(IpNetwork.parse("203.0.113.5"), NOW).get(1).expiresAtMicros());

        index.apply(List.of(), List.of(new DecisionIndex.Removal(1, IpNetwork.parse("203.0.113.5")),
                new DecisionIndex.Removal(3, IpNetwork.parse("203.0.113.5")),
                new DecisionIndex.Removal(99, IpNetwork.parse("203.0.113.5"))));
        assertEquals(List.of(2L), covering(index, "203.0.113.5"));
        assertEquals(1, index.size());
        assertEquals(1, index.snapshot(NOW).length);
    }

    /** Random inserts and removals, checked against a plain map after every step (covers deletion in probe runs). */
    @Test
    void matchesAReferenceModelUnderRandomChanges() {
        DecisionIndex index = new DecisionIndex();
        Map<Long, IndexedDecision> model = new HashMap<>();
        Random random = new Random(42);
        long nextId = 1;
        for (int step = 0; step < 20_000; step++) {
            if (model.isEmpty() || random.nextInt(3) > 0) {
                // A small address space so that networks collide and probe runs form.
                String value = "198.51." + random.nextInt(4) + "." + random.nextInt(64) + (random.nextBoolean() ? "" : "/32");
                IndexedDecision added = d(nextId++, value);
                model.put(added.id(), added);
                index.apply(List.of(added), List.of());
            } else {
                Long id = model.keySet().stream().skip(random.nextInt(model.size())).findFirst().orElseThrow();
                IndexedDecision removed = model.remove(id);
                index.apply(List.of(), List.of(new DecisionIndex.Removal(id, removed.network())));
            }
            if (step % 500 == 0) {
                for (int probe = 0; probe < 64; probe++) {
                    String address = "198.51." + random.nextInt(4) + "." + random.nextInt(64);
                    IpNetwork ip = IpNetwork.parse(address);
                    List<Long> expected = model.values().stream().filter(e -> e.network().contains(ip))
                            .map(IndexedDecision::id).sorted().toList();
                    assertEquals(expected, covering(index, address), "step " + step + " " + address);
                }
            }
        }
        assertEquals(model.size(), index.size());
        assertEquals(model.size(), index.snapshot(NOW).length);
    }

    /** A writer applies batches that add two entries and remove two; every snapshot must hold an even count. */
    @Test
    void aSnapshotNeverSeesHalfABatch() throws Exception {
        DecisionIndex index = new DecisionIndex();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> problem = new AtomicReference<>();
        long[] batches = new long[1];
        Thread writer = new Thread(() -> {
            try {
                long id = 1;
                List<IndexedDecision> live = new ArrayList<>();
                while (!stop.get()) {
                    List<IndexedDecision> add = List.of(d(id, "203.0.113." + (id % 250)), d(id + 1, "2001:db8::" + Long.toHexString(id & 0xffff)));
                    id += 2;
                    List<DecisionIndex.Removal> remove = new ArrayList<>();
                    if (live.size() > 400) {
                        for (int k = 0; k < 2; k++) {
                            IndexedDecision old = live.remove(0);
                            remove.add(new DecisionIndex.Removal(old.id(), old.network()));
                        }
                    }
                    live.addAll(add);
                    index.apply(add, remove);
                    batches[0]++;
                }
            } catch (RuntimeException e) {
                problem.set("writer failed: " + e);
            }
        });
        writer.start();
        long deadline = System.nanoTime() + 1_000_000_000L;
        int snapshots = 0;
        while (System.nanoTime() < deadline) {
            int n = index.snapshot(NOW).length;
            if (n % 2 != 0) {
                problem.set("snapshot of " + n + " entries");
            }
            snapshots++;
        }
        stop.set(true);
        writer.join();
        assertEquals(null, problem.get());
        assertTrue(snapshots > 10 && batches[0] > 10, snapshots + " snapshots, " + batches[0] + " batches");
    }

    @Test
    void lookupsDuringResizesNeverFailOrMissAnExistingEntry() throws Exception {
        DecisionIndex index = new DecisionIndex();
        index.replaceAll(List.of(d(1, "192.0.2.1"), d(2, "2001:db8::1")));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                while (!stop.get()) {
                    if (covering(index, "192.0.2.1").size() != 1 || covering(index, "2001:db8::1").size() != 1) {
                        failure.compareAndSet(null, new AssertionError("an existing entry was missed"));
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
        reader.start();
        List<IndexedDecision> batch = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            batch.add(d(10 + i, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)));
            if (batch.size() == 1000) {
                index.apply(batch, List.of());
                batch = new ArrayList<>();
            }
        }
        stop.set(true);
        reader.join();
        assertEquals(null, failure.get());
        assertEquals(200_002, index.size());
    }

    private static IndexedDecision withStrings(long id, String network, String origin, String reason) {
        // new String: every row read from the database brings its own copy
        return IndexedDecision.of(id, IpNetwork.parse(network), new String("ban"), new String(origin), null,
                new String(reason), NOW, LATER);
    }

    @Test
    void theInternerForgetsStringsThatNoDecisionHoldsAnyMore() {
        DecisionIndex index = new DecisionIndex();
        List<IndexedDecision> added = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            added.add(withStrings(i + 1, "192.0.2." + i % 250, "origin-" + i % 100, "reason " + i));
        }
        index.apply(added, List.of());
        assertEquals(1 + 100 + 300, index.internedStrings(), "ban, 100 origins, 300 reasons");
        IndexedDecision[] held = index.snapshot(NOW);
        assertTrue(java.util.Arrays.stream(held).filter(d -> d.origin().equals("origin-7"))
                .map(IndexedDecision::origin).distinct().count() == 1);
        assertTrue(java.util.Arrays.stream(held).filter(d -> d.origin().equals("origin-7"))
                .allMatch(d -> d.origin() == held[7].origin()), "equal strings are one object");

        // An extension with a new reason lets the old reason go.
        index.apply(List.of(withStrings(1, "192.0.2.0", "origin-0", "extended")), List.of());
        assertEquals(1 + 100 + 300, index.internedStrings(), "'reason 0' went, 'extended' came");

        List<DecisionIndex.Removal> removals = new ArrayList<>();
        for (IndexedDecision d : added) {
            removals.add(new DecisionIndex.Removal(d.id(), d.network()));
        }
        index.apply(List.of(), removals.subList(0, 200));
        assertEquals(1 + 100 + 100, index.internedStrings(), "the origins of the 100 left, and their reasons");
        index.apply(List.of(), removals.subList(200, 300));
        assertEquals(0, index.internedStrings(), "an index emptied of its decisions holds no string");
        assertEquals(0, index.size());
    }

    @Test
    void aFrozenSnapshotNeverChangesWhileTheIndexGoesOnAndIsSharedWhileNothingChanges() {
        DecisionIndex index = new DecisionIndex();
        List<IndexedDecision> first = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            first.add(d(i + 1, "10." + (i >> 8 & 255) + "." + (i & 255) + ".0/24"));
        }
        index.apply(first, List.of());
        IndexSnapshot frozen = index.frozen();
        assertTrue(frozen == index.frozen(), "no change since: the same snapshot");

        List<DecisionIndex.Removal> removals = new ArrayList<>();
        List<IndexedDecision> upserts = new ArrayList<>();
        for (int i = 0; i < 10_000; i += 2) {
            removals.add(new DecisionIndex.Removal(i + 1, first.get(i).network()));
            upserts.add(d(20_000 + i, "2001:db8:" + Integer.toHexString(i) + "::/48"));
            upserts.add(d(i + 2, first.get(i + 1).network().toString(), LATER + 5));
        }
        index.apply(upserts, removals);

        Map<Long, IndexedDecision> seen = new HashMap<>();
        frozen.forEach(NOW, e -> seen.put(e.id(), e));
        assertEquals(10_000, seen.size(), "the snapshot still holds exactly the first batch");
        for (IndexedDecision d : first) {
            assertEquals(d, seen.get(d.id()));
        }
        IndexSnapshot later = index.frozen();
        assertTrue(later != frozen);
        Map<Long, IndexedDecision> now = new HashMap<>();
        later.forEach(NOW, e -> now.put(e.id(), e));
        assertEquals(10_000, now.size());
        assertEquals(LATER + 5, now.get(2L).expiresAtMicros());
        assertEquals(null, now.get(1L));
        assertEquals(List.of(24_096L), ids(index.within(IpNetwork.parse("2001:db8:1000::/47"), NOW)));
        assertEquals(List.of(24_096L), ids(index.covering(IpNetwork.parse("2001:db8:1000::1"), NOW)));
    }
}
