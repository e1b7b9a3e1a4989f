package dev.banlist.distribution.export;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts an export to a maximum number of networks, for firewalls with a fixed set size. Manual bans are kept first
 * (an operator decided them), then the networks covering the most addresses; among equals the earlier address
 * wins. What is kept stays in the order of the input.
 */
public final class ExportLimit {

    /** The kept entries, the number of entries before the cut, and whether anything was cut. */
    public record Limited(List<ExportEntry> entries, int total, boolean cut) {
    }

    private ExportLimit() {
    }

    /**
     * At most {@code limit} entries of {@code sorted} (which should be in {@link NetworkAggregator#ORDER}, so that
     * index order is address order). {@code limit <= 0} means no limit; an input that fits is returned unchanged.
     */
    public static Limited apply(List<ExportEntry> sorted, int limit) {
        int total = sorted.size();
        if (limit <= 0 || limit >= total) {
            return new Limited(sorted, total, false);
        }
        // Rank key, ascending = kept first: bit 40 non-manual, bits 32-39 the prefix measured from a 128-bit
        // address (so fewer host bits rank later, whatever the family), bits 0-31 the index.
        long[] ranks = new long[total];
        for (int i = 0; i < total; i++) {
            ExportEntry e = sorted.get(i);
            int hostBits = (e.network().ipv6() ? 128 : 32) - e.network().prefix();
            ranks[i] = (e.manual() ? 0L : 1L << 40) | (long) (128 - hostBits) << 32 | i;
        }
        Arrays.sort(ranks);
        int[] kept = new int[limit];
        for (int i = 0; i < limit; i++) {
            kept[i] = (int) ranks[i];
        }
        Arrays.sort(kept);
        List<ExportEntry> out = new ArrayList<>(limit);
        for (int index : kept) {
            out.add(sorted.get(index));
        }
        return new Limited(out, total, true);
    }
}
