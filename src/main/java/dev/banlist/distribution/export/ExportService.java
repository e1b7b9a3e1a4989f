package dev.banlist.distribution.export;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.changes.ChangeCursor;
import dev.banlist.config.BanlistConfig;
import dev.banlist.distribution.BulkReaders;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.index.IndexSnapshot;
import dev.banlist.index.IndexSynchronizer;

/**
 * Renders exports from the frozen index on the {@link BulkReaders} workers, once per request shape and index
 * state: the rendering is cached (bounded by bytes) and requests that arrive while it is being made wait for the
 * same one. So a repeated export or a matching {@code If-None-Match} costs a map lookup, and a hundred enforcers
 * asking at once hold one copy of the list, not a hundred.
 */
@ApplicationScoped
public class ExportService {

    /** The shape of an export: everything that changes its bytes besides the index content. */
    public record Request(ExportFormat format, String family, boolean aggregate, int limit, String type, String name) {
    }

    /**
     * One rendering: its chunks as {@link ExportRenderer} made them, from the index at {@code cursor}, valid until
     * the first of its decisions expires.
     */
    public record Rendered(ChangeCursor cursor, long validUntilMicros, String etag, List<byte[]> chunks, long bytes,
            int total, boolean cut) {

        boolean answers(Object current, long nowMicros) {
            return cursor.equals(current) && nowMicros < validUntilMicros;
        }

        long retainedBytes() {
            return bytes + 16L * chunks.size() + 256;
        }
    }

    private final IndexSynchronizer index;
    private final BulkReaders bulk;
    private final ExportCache cache;
    private final Counter renders;
    private final Map<Request, Flight> inFlight = new HashMap<>();
    /** Test hook: set if a rendering ever ran on an event-loop thread (it must not). */
    private final AtomicBoolean renderedOnEventLoop = new AtomicBoolean();

    private static final class Flight {
        final ChangeCursor cursor;
        Uni<Rendered> rendering;

        Flight(ChangeCursor cursor) {
            this.cursor = cursor;
        }
    }

    ExportService(IndexSynchronizer index, BulkReaders bulk, BanlistConfig config, MeterRegistry registry) {
        this.index = index;
        this.bulk = bulk;
        this.cache = new ExportCache(config.distribution().exportCacheSize().asLongValue());
        this.renders = Counter.builder("banlist.export.renders")
                .description("Exports rendered from the index (the others were answered from the cache)").register(registry);
        Gauge.builder("banlist.export.cache.bytes", cache, ExportCache::bytes)
                .description("Bytes of rendered exports cached on this replica").register(registry);
    }

    /** The export's rendering with the index's staleness; fails with INDEX_LOADING before the first load. */
    public Uni<Rendered> export(Request request) {
        IndexSynchronizer.Frozen view = index.frozen();
        if (view == null) {
            throw new ApiException(ErrorCode.INDEX_LOADING, "The index is still loading; retry in a few seconds.");
        }
        Rendered cached = cache.get(request, view.cursor(), nowMicros());
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        synchronized (inFlight) {
            Flight flight = inFlight.get(request);
            if (flight != null && flight.cursor.equals(view.cursor())) {
                return flight.rendering;
            }
            Flight started = new Flight(view.cursor());
            // Submitted now, so that a full queue is a 503 before the response starts; the waiters share it.
            started.rendering = bulk.submit("export", () -> {
                Rendered rendered = render(request, view);
                cache.put(request, rendered);
                return rendered;
            }).onTermination().invoke(() -> {
                synchronized (inFlight) {
                    inFlight.remove(request, started);
                }
            }).memoize().indefinitely();
            inFlight.put(request, started);
            // The removal above runs when someone subscribes; a subscription now makes it run even if all leave.
            started.rendering.subscribe().with(ignored -> { }, ignored -> { });
            return started.rendering;
        }
    }

    double renders() {
        return renders.count();
    }

    boolean renderedOnEventLoop() {
        return renderedOnEventLoop.get();
    }

    private Rendered render(Request r, IndexSynchronizer.Frozen view) {
        renders.increment();
        if (Context.isOnEventLoopThread()) {
            renderedOnEventLoop.set(true);
        }
        long now = nowMicros();
        IndexSnapshot entries = view.entries();
        boolean all = r.family().equals("all");
        boolean ipv6Only = r.family().equals("ipv6");
        NetworkAggregator.Families families = new NetworkAggregator.Families(entries.slots());
        long validUntil = Long.MAX_VALUE;
        for (int s = 0; s < entries.slots(); s++) {
            if (entries.activeAt(s, now) && (all || entries.ipv6(s) == ipv6Only) && entries.type(s).equals(r.type())) {
                families.add(entries.ipv6(s), entries.hi(s), entries.lo(s), entries.prefix(s),
                        !entries.origin(s).startsWith("list:"));
                validUntil = Math.min(validUntil, entries.expiresAtMicros(s));
            }
        }
        families.sorted();
        List<ExportEntry> networks = r.aggregate() ? NetworkAggregator.aggregate(families)
                : NetworkAggregator.sortAndDedupe(families);
        families = null;
        // The allowlist (a later feature) is cut out here with NetworkAggregator.subtract.
        ExportLimit.Limited limited = ExportLimit.apply(networks, r.limit());
        networks = null;
        String etag = ExportResource.etag(r.format(), r.family(), r.aggregate(), r.limit(), r.type(), r.name(),
                limited.entries());
        List<byte[]> chunks = new ArrayList<>();
        long bytes = 0;
        for (Iterator<byte[]> it = ExportRenderer.render(r.format(), r.name(), limited.entries()); it.hasNext(); ) {
            byte[] chunk = it.next();
            chunks.add(chunk);
            bytes += chunk.length;
        }
        return new Rendered(view.cursor(), validUntil, etag, List.copyOf(chunks), bytes, limited.total(), limited.cut());
    }

    private static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }
}
