package dev.banlist.index;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.banlist.net.IpNetwork;

/**
 * Measures the heap the index retains with a million mixed decisions (the mix of bench/gen-decisions.py: 70% IPv4
 * hosts, 10% IPv4 networks, 15% IPv6 hosts, 5% IPv6 networks), loaded through {@code apply} in pages as the
 * synchroniser does, and how long a snapshot holds the write lock. Prints only, asserts nothing. Not a test (no
 * surefire name), run by hand after {@code ./mvnw -o test-compile}:
 *
 * <pre>
 * java -Xmx1g -cp target/classes:target/test-classes dev.banlist.index.IndexFootprint [decisions]
 * </pre>
 */
public final class IndexFootprint {

    private IndexFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        long before = usedAfterGc();
        DecisionIndex index = new DecisionIndex();
        Random random = new Random(42);
        long now = System.currentTimeMillis() * 1000;
        List<IndexedDecision> page = new ArrayList<>();
        for (int id = 1; id <= n; id++) {
            page.add(decision(random, id, now));
            if (page.size() == 20_000) {
                index.apply(page, List.of());
                page = new ArrayList<>();
            }
        }
        index.apply(page, List.of());
        page = null;
        long after = usedAfterGc();
        System.out.printf("%d decisions held (%d asked), %d interned strings: %.1f MB retained (%.1f bytes each)%n",
                index.size(), n, index.internedStrings(), (after - before) / 1e6, (after - before) / (double) index.size());

        // Snapshot cost: the first after a change freezes (write lock); later ones share it.
        long worst = 0;
        long total = 0;
        int rounds = 200;
        for (int i = 0; i < rounds; i++) {
            index.apply(List.of(decision(random, n + 1 + i, now)), List.of());
            long t0 = System.nanoTime();
            IndexSnapshot frozen = index.frozen();
            long took = System.nanoTime() - t0;
            worst = Math.max(worst, took);
            total += took;
            if (frozen.slots() == 0) {
                throw new AssertionError();
            }
        }
        System.out.printf("frozen snapshot after a change: mean %.1f us, worst %.1f us over %d%n",
                total / 1e3 / rounds, worst / 1e3, rounds);
        long t0 = System.nanoTime();
        int active = index.frozen().count(now);
        System.out.printf("walk of the frozen snapshot: %d active in %.1f ms%n", active, (System.nanoTime() - t0) / 1e6);
        t0 = System.nanoTime();
        IndexedDecision[] copy = index.snapshot(now);
        System.out.printf("materialised snapshot (IndexedDecision[]): %d in %.1f ms%n", copy.length, (System.nanoTime() - t0) / 1e6);
    }

    private static final String[] ORIGINS = { "sshd-agent", "nginx-agent", "admin", "list:firehol", "list:spamhaus" };
    private static final String[] JAILS = { "sshd", "nginx-http-auth", "recidive", null };

    private static IndexedDecision decision(Random random, long id, long now) {
        int kind = random.nextInt(100);
        IpNetwork network;
        if (kind < 70) {
            network = new IpNetwork(false, 0, random.nextInt() & 0xffffffffL, 32);
        } else if (kind < 80) {
            int prefix = 16 + random.nextInt(15);
            network = new IpNetwork(false, 0, random.nextInt() & 0xffffffffL & (0xffffffffL << (32 - prefix)), prefix);
        } else if (kind < 95) {
            network = new IpNetwork(true, 0x2001_0db8_0000_0000L | random.nextInt() & 0xffffffffL, random.nextLong(), 128);
        } else {
            int prefix = 32 + random.nextInt(33);
            network = new IpNetwork(true, (0x2a00L << 48 | random.nextLong() >>> 16) & (-1L << (64 - prefix)), 0, prefix);
        }
        int o = random.nextInt(ORIGINS.length);
        // Fresh string objects, as every row read from the database brings its own.
        return IndexedDecision.of(id, network, new String("ban"), new String(ORIGINS[o]),
                JAILS[o % JAILS.length] == null ? null : new String(JAILS[o % JAILS.length]),
                new String("reason " + o), now, now + 3_600_000_000L + random.nextInt(1_000_000));
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
