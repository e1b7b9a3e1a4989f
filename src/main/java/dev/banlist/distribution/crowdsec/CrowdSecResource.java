package dev.banlist.distribution.crowdsec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.StreamingOutput;
import org.jboss.resteasy.reactive.RestResponse;

import dev.banlist.changes.ChangeCursor;
import dev.banlist.changes.ChangeLog;
import dev.banlist.changes.ChangeLogRepository;
import dev.banlist.config.BanlistConfig;
import dev.banlist.decision.Decision;
import dev.banlist.distribution.DistributionMetrics;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.index.IndexedDecision;
import dev.banlist.net.IpNetwork;
import dev.banlist.persistence.Database;
import dev.banlist.security.Roles;

/**
 * CrowdSec's bouncer API, so that existing bouncers work unchanged: point lookups answered from the in-memory
 * index, and the decision stream with the cursor kept on the server per API key and client address, because
 * CrowdSec bouncers keep none (follow-up polls carry no {@code startup} at all).
 */
@Path("/v1/decisions")
@Produces(CrowdSecResource.JSON)
public class CrowdSecResource {

    static final String JSON = "application/json; charset=utf-8";
    private static final int PAGE = 10_000;
    private static final int CHUNK = 2000;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);
    private static final ChangeLog.Delta END = new ChangeLog.Delta(null, List.of(), List.of(), false);

    private final IndexSynchronizer index;
    private final ChangeLog changeLog;
    private final ChangeLogRepository repository;
    private final Database database;
    private final DistributionMetrics metrics;
    private final Duration permanent;

    CrowdSecResource(IndexSynchronizer index, ChangeLog changeLog, ChangeLogRepository repository, Database database,
            DistributionMetrics metrics, BanlistConfig config) {
        this.index = index;
        this.changeLog = changeLog;
        this.repository = repository;
        this.database = database;
        this.metrics = metrics;
        this.permanent = config.distribution().permanentDuration();
    }

    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public RestResponse<String> decisions(@QueryParam("ip") String ip, @QueryParam("range") String range,
            @QueryParam("scope") String scope, @QueryParam("value") String value, @QueryParam("type") String type,
            @QueryParam("origins") String origins, @QueryParam("scenarios_containing") String containing,
            @QueryParam("scenarios_not_containing") String notContaining, @QueryParam("contains") String contains) {
        boolean containing0 = RequestParams.bool("contains", contains, true);
        CrowdSecFilter filter = CrowdSecFilter.of(scope, origins, containing, notContaining, type);
        List<Decision> found = lookup(RequestParams.network("ip", ip), RequestParams.network("range", range),
                RequestParams.network("value", value), containing0);
        List<Decision> matching = new ArrayList<>();
        for (Decision d : found) {
            if (filter.test(d)) {
                matching.add(d);
            }
        }
        Instant now = Instant.now();
        StringBuilder body = new StringBuilder(matching.size() * 160 + 4);
        if (matching.isEmpty()) {
            body.append("null");
        } else {
            body.append('[');
            for (int i = 0; i < matching.size(); i++) {
                if (i > 0) {
                    body.append(',');
                }
                CrowdSecDecisions.append(body, matching.get(i), now, permanent);
            }
            body.append(']');
        }
        String text = body.toString();
        metrics.streamed("crowdsec", "lookup", text.length());
        return RestResponse.ResponseBuilder.ok(text, JSON)
                .header(IndexSynchronizer.STALENESS_HEADER, IndexSynchronizer.staleness(index.stalenessSeconds()))
                .build();
    }

    @HEAD
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public Response decisionsHead() {
        return Response.ok().type(JSON).build();
    }

    private List<Decision> lookup(IpNetwork ip, IpNetwork range, IpNetwork value, boolean contains) {
        if (ip != null && !ip.isHost()) {
            throw ValidationException.of("ip", "must be a single address, not a network");
        }
        IpNetwork target = ip != null ? ip : range != null ? range : value;
        List<IndexedDecision> entries;
        if (target == null) {
            IndexSynchronizer.View view = index.view();
            entries = view == null ? null : List.of(view.entries());
        } else if (value != null && ip == null && range == null) {
            entries = exact(index.covering(target), target);
        } else {
            entries = contains ? index.covering(target) : index.within(target);
        }
        if (entries == null) {
            throw new ApiException(ErrorCode.INDEX_LOADING, "The index is still loading; retry in a few seconds.");
        }
        List<Decision> out = new ArrayList<>(entries.size());
        for (IndexedDecision e : entries) {
            out.add(IndexSynchronizer.decision(e));
        }
        return out;
    }

    private static List<IndexedDecision> exact(List<IndexedDecision> covering, IpNetwork network) {
        if (covering == null) {
            return null;
        }
        List<IndexedDecision> out = new ArrayList<>();
        for (IndexedDecision e : covering) {
            if (e.prefix() == network.prefix()) {
                out.add(e);
            }
        }
        return out;
    }

    @HEAD
    @Path("/stream")
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public Response streamHead() {
        return Response.ok().type(JSON).build();
    }

    /**
     * {@code startup=true} (or no cursor stored for this key and address, or one past the retention): every
     * active decision. Otherwise what changed since this key and address last pulled. The cursor is stored once
     * the body has been produced, just before its last byte.
     */
    @GET
    @Path("/stream")
    @Blocking
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public Response stream(@QueryParam("startup") String startup, @QueryParam("scopes") String scopes,
            @QueryParam("origins") String origins, @QueryParam("scenarios_containing") String containing,
            @QueryParam("scenarios_not_containing") String notContaining,
            @Context SecurityContext security, @Context HttpServerRequest request) {
        boolean fromStart = RequestParams.bool("startup", startup, false);
        CrowdSecFilter filter = CrowdSecFilter.of(scopes == null ? CrowdSecFilter.DEFAULT_STREAM_SCOPES : scopes,
                origins, containing, notContaining, null);
        String key = security.getUserPrincipal().getName();
        String client = clientAddress(request);
        metrics.pulled(key);
        ChangeCursor since = fromStart ? null : storedCursor(key, client);
        String kind = since == null ? "snapshot" : "delta";
        Multi<Buffer> body = since == null ? snapshot(filter, key, client) : delta(since, filter, key, client);
        // Written by this worker thread as the client reads, chunk by chunk, byte for byte as produced.
        StreamingOutput output = out -> {
            long bytes = 0;
            // Two chunks in flight at most: the default prefetch of 256 chunks would hold tens of megabytes.
            for (Buffer chunk : body.subscribe().asIterable(2, () -> new java.util.concurrent.ArrayBlockingQueue<>(2))) {
                out.write(chunk.getBytes());
                bytes += chunk.length();
            }
            metrics.streamed("crowdsec", kind, bytes);
        };
        return Response.ok(output, JSON).build();
    }

    /** The cursor stored for this key and address; null when there is none or it is past the retention. */
    private ChangeCursor storedCursor(String key, String client) {
        String stored = database.read("crowdsec.cursor", conn -> repository.bouncerCursor(conn, key, client))
                .await().atMost(STEP_TIMEOUT);
        if (stored == null) {
            return null;
        }
        ChangeCursor cursor = ChangeCursor.decode("cursor", stored);
        return changeLog.expired("crowdsec.cursor", cursor).await().atMost(STEP_TIMEOUT) ? null : cursor;
    }

    /**
     * The bouncer's address, for its cursor: behind an ingress the first {@code X-Forwarded-For} entry. A client can
     * only choose among its own key's cursors with it, so it is taken as given.
     */
    private static String clientAddress(HttpServerRequest request) {
        String forwarded = request.getHeader("X-Forwarded-For");
        if (forwarded != null && !forwarded.isBlank()) {
            String first = forwarded.split(",", 2)[0].strip();
            if (!first.isEmpty() && first.length() <= 64) {
                return first;
            }
        }
        return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    }

    private Multi<Buffer> snapshot(CrowdSecFilter filter, String key, String client) {
        IndexSynchronizer.View view = index.view();
        if (view == null) {
            throw new ApiException(ErrorCode.INDEX_LOADING, "The index is still loading; retry in a few seconds.");
        }
        IndexedDecision[] entries = view.entries();
        Instant now = Instant.now();
        boolean[] wrote = new boolean[1];
        // Filtered and written a chunk at a time as the client reads: no list of a million decisions is built.
        Iterable<Buffer> added = () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < entries.length;
            }

            @Override
            public Buffer next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                StringBuilder out = new StringBuilder(CHUNK * 160);
                for (int written = 0; next < entries.length && written < CHUNK; next++) {
                    Decision d = IndexSynchronizer.decision(entries[next]);
                    if (filter.test(d)) {
                        out.append(wrote[0] ? ',' : '[');
                        wrote[0] = true;
                        CrowdSecDecisions.append(out, d, now, permanent);
                        written++;
                    }
                }
                return Buffer.buffer(out.toString());
            }
        };
        return Multi.createBy().concatenating().streams(
                Multi.createFrom().item(Buffer.buffer("{\"deleted\":null,\"new\":")),
                Multi.createFrom().iterable(added).select().where(b -> b.length() > 0),
                Multi.createFrom().deferred(() -> Multi.createFrom().item(Buffer.buffer(wrote[0] ? "]" : "null"))),
                save(key, client, view.cursor()));
    }

    /** Reading state of one pass over a delta: its position, where it ends, whether anything was written. */
    private static final class Pass {
        ChangeCursor cursor;
        String target;
        boolean done;
        boolean wrote;

        Pass(ChangeCursor cursor) {
            this.cursor = cursor;
        }
    }

    /**
     * Two passes over the same changes (one for {@code deleted}, one for {@code new}) a page at a time, so a delta
     * of a million decisions is never held whole: both end at the snapshot the first page was read at.
     */
    private Multi<Buffer> delta(ChangeCursor since, CrowdSecFilter filter, String key, String client) {
        Pass deletions = new Pass(since);
        return Multi.createBy().concatenating().streams(
                Multi.createFrom().item(Buffer.buffer("{\"deleted\":")),
                pass(deletions, filter, true),
                Multi.createFrom().item(Buffer.buffer(",\"new\":")),
                Multi.createFrom().deferred(() -> pass(new Pass(since.continuing(deletions.target, "0", 0)), filter, false)),
                Multi.createFrom().deferred(() -> save(key, client, ChangeCursor.at(deletions.target))));
    }

    private Multi<Buffer> pass(Pass pass, CrowdSecFilter filter, boolean deleted) {
        Multi<Buffer> pages = Multi.createBy().repeating()
                .uni(() -> pass, p -> p.done ? Uni.createFrom().item(END)
                        : changeLog.delta("crowdsec.stream", p.cursor, PAGE, filter).invoke(d -> {
                            p.cursor = d.next();
                            p.target = d.next().partial() ? d.next().to() : d.next().from();
                            p.done = !d.more();
                        }))
                .until(d -> d == END)
                .map(d -> {
                    List<Decision> list = deleted ? d.deleted() : d.added();
                    StringBuilder out = new StringBuilder(list.size() * 160 + 1);
                    Instant now = Instant.now();
                    for (Decision decision : list) {
                        out.append(pass.wrote ? ',' : '[');
                        pass.wrote = true;
                        CrowdSecDecisions.append(out, decision, now, permanent);
                    }
                    return Buffer.buffer(out.toString());
                });
        // An empty page writes nothing: an empty chunk would end a chunked body.
        return Multi.createBy().concatenating().streams(pages.select().where(b -> b.length() > 0),
                Multi.createFrom().deferred(() -> Multi.createFrom().item(Buffer.buffer(pass.wrote ? "]" : "null"))));
    }

    private Multi<Buffer> save(String key, String client, ChangeCursor cursor) {
        return Multi.createFrom().uni(database.write("crowdsec.cursor",
                        conn -> repository.saveBouncerCursor(conn, key, client, cursor.encode()))
                .map(ignored -> Buffer.buffer("}")));
    }
}
