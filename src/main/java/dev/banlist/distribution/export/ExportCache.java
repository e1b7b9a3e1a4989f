package dev.banlist.distribution.export;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rendered exports by request, least recently used first out, bounded by the bytes they hold. An entry answers
 * only while the index is at the cursor it was rendered from and none of its decisions has expired.
 */
final class ExportCache {

    private final long budget;
    private final LinkedHashMap<ExportService.Request, ExportService.Rendered> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    ExportCache(long budget) {
        this.budget = budget;
    }

    synchronized ExportService.Rendered get(ExportService.Request request, Object cursor, long nowMicros) {
        ExportService.Rendered rendered = entries.get(request);
        return rendered != null && rendered.answers(cursor, nowMicros) ? rendered : null;
    }

    /** Keeps the rendering (replacing an older one of the same request) unless it alone exceeds the budget. */
    synchronized void put(ExportService.Request request, ExportService.Rendered rendered) {
        ExportService.Rendered old = entries.remove(request);
        if (old != null) {
            bytes -= old.retainedBytes();
        }
        if (rendered.retainedBytes() > budget) {
            return;
        }
        for (Iterator<Map.Entry<ExportService.Request, ExportService.Rendered>> it = entries.entrySet().iterator();
                it.hasNext() && bytes + rendered.retainedBytes() > budget; ) {
            bytes -= it.next().getValue().retainedBytes();
            it.remove();
        }
        entries.put(request, rendered);
        bytes += rendered.retainedBytes();
    }

    synchronized long bytes() {
        return bytes;
    }
}
