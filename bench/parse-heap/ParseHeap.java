package dev.banlist.source;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.charset.StandardCharsets;

/**
 * Parses a generated 64 MiB IPv6 list (never held whole) through ListParser and ParsedList, as an import does,
 * and prints the heap the parsed list retains and the peak heap used. Arguments: {@code same} (every line "1::")
 * or {@code distinct} (2001:db8::xxxx:xxxx, one entry per line), and max_entries.
 */
public final class ParseHeap {

    public static void main(String[] args) throws Exception {
        boolean same = args[0].equals("same");
        int maxEntries = Integer.parseInt(args[1]);
        long total = 64L << 20;
        ParsedList list = newList(maxEntries);
        ListParser parser = new ListParser(SourceFormat.PLAIN, list);
        byte[] buffer = new byte[64 * 1024];
        long fed = 0;
        long line = 0;
        String outcome = "parsed";
        long started = System.nanoTime();
        try {
            while (fed < total) {
                int n = 0;
                while (n + 20 <= buffer.length) {
                    byte[] text = (same ? "1::\n" : String.format("2001:db8::%04x:%04x\n", (line >>> 16) & 0xffff,
                            line & 0xffff)).getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(text, 0, buffer, n, text.length);
                    n += text.length;
                    line++;
                }
                parser.feed(buffer, 0, n);
                fed += n;
            }
            parser.finish();
        } catch (RuntimeException e) {
            outcome = e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (OutOfMemoryError e) {
            outcome = "OutOfMemoryError";
        }
        long elapsed = (System.nanoTime() - started) / 1_000_000;
        System.gc();
        long retained = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("body=%s fed=%d MiB lines=%d valid=%d outcome=%s elapsed=%d ms retained=%.1f MiB"
                + " peak=%.1f MiB max=%.0f MiB%n", args[0], fed >> 20, line, parser.validLines(), outcome, elapsed,
                retained / 1048576.0, peak / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
        java.lang.ref.Reference.reachabilityFence(list); // measured with the list still held
    }

    /** The list of the checked-out code: with max_entries, or (before it was enforced while parsing) without. */
    private static ParsedList newList(int maxEntries) throws Exception {
        try {
            return ParsedList.class.getDeclaredConstructor(int.class).newInstance(maxEntries);
        } catch (NoSuchMethodException e) {
            return ParsedList.class.getDeclaredConstructor().newInstance();
        }
    }
}
