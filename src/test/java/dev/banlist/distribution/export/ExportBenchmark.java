package dev.banlist.distribution.export;

import dev.banlist.net.IpNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Times the export steps on a million mixed networks; prints only, asserts nothing. Not a test (no surefire
 * name), run by hand after {@code ./mvnw -o test-compile}:
 *
 * <pre>
 * java -Xmx1g -cp target/classes:target/test-classes dev.banlist.distribution.export.ExportBenchmark [entries] [ipv6%]
 * </pre>
 */
public final class ExportBenchmark {

    private ExportBenchmark() {
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int ipv6Percent = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Random random = new Random(1);
        List<ExportEntry> input = entries(random, size, ipv6Percent);
        List<IpNetwork> allowlist = new ArrayList<>();
        for (ExportEntry e : entries(random, 1000, ipv6Percent)) {
            allowlist.add(e.network());
        }
        System.out.printf("%d entries (%d%% IPv6), %d cores, max heap %d MiB%n", size, ipv6Percent,
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);

        List<ExportEntry> aggregated = time("aggregate", () -> NetworkAggregator.aggregate(input));
        List<ExportEntry> sorted = time("sortAndDedupe", () -> NetworkAggregator.sortAndDedupe(input));
        time("subtract 1000 from aggregated", () -> NetworkAggregator.subtract(aggregated, allowlist));
        time("subtract 1000 from sorted", () -> NetworkAggregator.subtract(sorted, allowlist));
        time("limit 100000", () -> ExportLimit.apply(sorted, 100_000).entries());
        System.out.printf("aggregated to %d networks, %d after dedupe%n", aggregated.size(), sorted.size());
        for (ExportFormat format : ExportFormat.values()) {
            long[] bytes = new long[1];
            time("render " + format.id(), () -> {
                Iterator<byte[]> chunks = ExportRenderer.render(format, "banlist", sorted);
                long total = 0;
                while (chunks.hasNext()) {
                    total += chunks.next().length;
                }
                bytes[0] = total;
                return List.of();
            });
            System.out.printf("    %s: %.1f MiB%n", format.id(), bytes[0] / 1048576.0);
        }
    }

    /** Mostly IPv4 hosts, 8% IPv4 networks /16-/31 and 0.01% /8-/15, IPv6 hosts and /32-/64 networks; one in twenty manual. */
    static List<ExportEntry> entries(Random random, int size, int ipv6Percent) {
        List<ExportEntry> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            boolean manual = random.nextInt(20) == 0;
            IpNetwork net;
            if (random.nextInt(100) < ipv6Percent) {
                long hi = 0x2000_0000_0000_0000L | random.nextLong() >>> 4;
                if (random.nextInt(6) == 0) {
                    int prefix = 32 + random.nextInt(33);
                    net = new IpNetwork(true, hi & -1L << (64 - prefix), 0, prefix);
                } else {
                    net = new IpNetwork(true, hi, random.nextLong(), 128);
                }
            } else {
                long address = random.nextLong() & 0xffffffffL;
                int kind = random.nextInt(10_000);
                int prefix = kind == 0 ? 8 + random.nextInt(8) : kind < 800 ? 16 + random.nextInt(16) : 32;
                net = new IpNetwork(false, 0, address & 0xffffffffL << (32 - prefix) & 0xffffffffL, prefix);
            }
            out.add(new ExportEntry(net, manual));
        }
        return out;
    }

    private static <T> T time(String name, Supplier<T> step) {
        T result = null;
        long[] millis = new long[8];
        for (int i = 0; i < millis.length; i++) {
            long start = System.nanoTime();
            result = step.get();
            millis[i] = (System.nanoTime() - start) / 1_000_000;
        }
        long first = millis[0];
        Arrays.sort(millis);
        System.out.printf("%-32s first %5d ms, then median %5d ms, min %5d ms%n", name, first,
                millis[millis.length / 2], millis[0]);
        return result;
    }
}
