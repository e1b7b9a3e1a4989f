package dev.banlist.distribution;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.smallrye.mutiny.Multi;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import org.jboss.resteasy.reactive.RestMulti;

import dev.banlist.changes.ChangeCursor;
import dev.banlist.config.BanlistConfig;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.index.IndexSnapshot;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.security.Roles;

/**
 * The change stream: without {@code since} a snapshot of the active set and its cursor, streamed from the
 * in-memory index; with {@code since} the changes after that cursor, a page at a time, long-polled with
 * {@code wait}.
 */
@Path("/api/v1/stream")
@Produces(MediaType.APPLICATION_JSON)
public class StreamResource {

    private static final Pattern WAIT = Pattern.compile("(\\d{1,6})(ms|s|m)?");
    private static final int SNAPSHOT_CHUNK = 2000;

    private final StreamService service;
    private final IndexSynchronizer index;
    private final DistributionMetrics metrics;
    private final BanlistConfig.Distribution config;

    StreamResource(StreamService service, IndexSynchronizer index, DistributionMetrics metrics, BanlistConfig config) {
        this.service = service;
        this.index = index;
        this.metrics = metrics;
        this.config = config.distribution();
    }

    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public RestMulti<Buffer> stream(@QueryParam("since") String since, @QueryParam("limit") String limit,
            @QueryParam("wait") String wait, @Context SecurityContext security) {
        int pageSize = RequestParams.limit(limit, config.streamPageSize(), config.streamPageSize());
        Duration waitFor = wait(wait);
        metrics.pulled(security.getUserPrincipal().getName());
        if (since == null || since.isBlank()) {
            // Frozen, not copied: microseconds here, and every snapshot reader shares the same pages.
            IndexSynchronizer.Frozen view = index.frozen();
            if (view == null) {
                throw new ApiException(ErrorCode.INDEX_LOADING, "The index is still loading; retry in a few seconds.");
            }
            long[] bytes = new long[1];
            return RestMulti.fromMultiData(snapshot(view)
                            .invoke(b -> bytes[0] += b.length())
                            .onCompletion().invoke(() -> metrics.streamed("stream", "snapshot", bytes[0])))
                    .encodeAsJsonArray(false)
                    .header(IndexSynchronizer.STALENESS_HEADER, IndexSynchronizer.staleness(view.stalenessSeconds()))
                    .build();
        }
        ChangeCursor cursor = ChangeCursor.decode("since", since);
        // Failures before the first byte (a 410, a 503) still reach the exception mappers.
        return RestMulti.fromMultiData(Multi.createFrom().uni(service.delta(cursor, pageSize, waitFor)
                                .map(delta -> Buffer.buffer(StreamService.json(delta))))
                        .invoke(body -> metrics.streamed("stream", "delta", body.length())))
                .encodeAsJsonArray(false)
                .build();
    }

    private Duration wait(String wait) {
        if (wait == null || wait.isBlank()) {
            return Duration.ZERO;
        }
        Matcher m = WAIT.matcher(wait.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2) == null ? "s" : m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            };
            if (d.compareTo(config.maxWait()) <= 0) {
                return d;
            }
        }
        throw ValidationException.of("wait", "must be a duration such as 30s or 500ms, at most " + config.maxWait().toSeconds() + "s");
    }

    /** The snapshot as JSON chunks, made as the client reads: the body is never held whole. */
    static Multi<Buffer> snapshot(IndexSynchronizer.Frozen view) {
        IndexSnapshot entries = view.entries();
        long now = System.currentTimeMillis() * 1000;
        Iterable<Buffer> chunks = () -> new Iterator<>() {
            private int next = -1;
            private boolean first = true;

            @Override
            public boolean hasNext() {
                return next <= entries.slots();
            }

            @Override
            public Buffer next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                StringBuilder out = new StringBuilder(SNAPSHOT_CHUNK * 220);
                if (next < 0) {
                    out.append("{\"cursor\":\"").append(view.cursor().encode()).append("\",\"new\":[");
                    next = 0;
                }
                int written = 0;
                for (; next < entries.slots() && written < SNAPSHOT_CHUNK; next++) {
                    if (entries.activeAt(next, now)) {
                        out.append(first ? "" : ",");
                        first = false;
                        DecisionJson.append(out, entries.decision(next));
                        written++;
                    }
                }
                if (next == entries.slots()) {
                    out.append("],\"deleted\":[],\"more\":false}");
                    next = entries.slots() + 1;
                }
                return Buffer.buffer(out.toString());
            }
        };
        return Multi.createFrom().iterable(chunks);
    }
}
