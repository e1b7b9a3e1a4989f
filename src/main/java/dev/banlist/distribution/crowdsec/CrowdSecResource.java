package dev.banlist.distribution.crowdsec;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import io.quarkus.security.identity.SecurityIdentity;
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

import dev.banlist.changes.ChangeCursor;
import dev.banlist.changes.ChangeLog;
import dev.banlist.config.BanlistConfig;
import dev.banlist.decision.Decision;
import dev.banlist.distribution.DistributionMetrics;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.RequestParams;
import dev.banlist.index.IndexSnapshot;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.index.IndexedDecision;
import dev.banlist.persistence.Database;
import dev.banlist.security.ApiKeys;
import dev.banlist.security.Roles;
import dev.banlist.security.TrustedProxies;

/**
 * CrowdSec's decision stream, so that existing bouncers work unchanged, with the cursor kept on the server per
 * {@link BouncerIdentity} (key id, client address, {@code User-Agent}), because CrowdSec bouncers keep none
 * (follow-up polls carry no {@code startup} at all). Lookups are {@link CrowdSecLookupRoute}.
 */
@Path("/v1/decisions/stream")
@Produces(CrowdSecResource.JSON)
public class CrowdSecResource {

    static final String JSON = "application/json; charset=utf-8";
    private static final int PAGE = 10_000;
    private static final int CHUNK = 2000;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);
    private static final ChangeLog.Delta END = new ChangeLog.Delta(null, List.of(), List.of(), false);

    private final IndexSynchronizer index;
    private final ChangeLog changeLog;
    private final BouncerCursorRepository cursors;
    private final Database database;
    private final DistributionMetrics metrics;
    private final TrustedProxies proxies;
    private final SecurityIdentity identity;
    private final Duration permanent;
    private final int maxBouncersPerKey;

    CrowdSecResource(IndexSynchronizer index, ChangeLog changeLog, BouncerCursorRepository cursors, Database database,
            DistributionMetrics metrics, TrustedProxies proxies, SecurityIdentity identity, BanlistConfig config) {
        this.index = index;
        this.changeLog = changeLog;
        this.cursors = cursors;
        this.database = database;
        this.metrics = metrics;
        this.proxies = proxies;
        this.identity = identity;
        this.permanent = config.distribution().permanentDuration();
        this.maxBouncersPerKey = config.distribution().maxBouncersPerKey();
    }

    @HEAD
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public Response streamHead() {
        return Response.ok().type(JSON).build();
    }

    /**
     * {@code startup=true} (or no cursor stored for this bouncer, or one past the retention): every active
     * decision. Otherwise what changed since this bouncer last pulled. The cursor is stored once the body has been
     * produced, just before its last byte.
     */
    @GET
    @Blocking
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public Response stream(@QueryParam("startup") String startup, @QueryParam("scopes") String scopes,
            @QueryParam("origins") String origins, @QueryParam("scenarios_containing") String containing,
            @QueryParam("scenarios_not_containing") String notContaining,
            @Context SecurityContext security, @Context HttpServerRequest request) {
        boolean fromStart = RequestParams.bool("startup", startup, false);
        CrowdSecFilter filter = CrowdSecFilter.of(scopes == null ? CrowdSecFilter.DEFAULT_STREAM_SCOPES : scopes,
                origins, containing, notContaining, null);
        Long keyId = identity.getAttribute(ApiKeys.KEY_ID);
        BouncerIdentity bouncer = BouncerIdentity.of(keyId, proxies.client(request), request.getHeader("User-Agent"));
        metrics.pulled(security.getUserPrincipal().getName());
        ChangeCursor since = fromStart ? null : storedCursor(bouncer);
        String kind = since == null ? "snapshot" : "delta";
        Multi<Buffer> body = since == null ? snapshot(filter, bouncer) : delta(since, filter, bouncer);
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

    /** The cursor stored for this bouncer; null when there is none or it is past the retention. */
    private ChangeCursor storedCursor(BouncerIdentity bouncer) {
        String stored = database.read("crowdsec.cursor", conn -> cursors.cursor(conn, bouncer))
                .await().atMost(STEP_TIMEOUT);
        if (stored == null) {
            return null;
        }
        ChangeCursor cursor = ChangeCursor.decode("cursor", stored);
        return changeLog.expired("crowdsec.cursor", cursor).await().atMost(STEP_TIMEOUT) ? null : cursor;
    }

    private Multi<Buffer> snapshot(CrowdSecFilter filter, BouncerIdentity bouncer) {
        IndexSynchronizer.Frozen view = index.frozen();
        if (view == null) {
            throw new ApiException(ErrorCode.INDEX_LOADING, "The index is still loading; retry in a few seconds.");
        }
        // The frozen index is shared, not copied; one decision at a time is materialised as it is written.
        IndexSnapshot entries = view.entries();
        Instant now = Instant.now();
        long nowMicros = now.toEpochMilli() * 1000;
        boolean[] wrote = new boolean[1];
        // Filtered and written a chunk at a time as the client reads: no list of a million decisions is built.
        Iterable<Buffer> added = () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < entries.slots();
            }

            @Override
            public Buffer next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                StringBuilder out = new StringBuilder(CHUNK * 160);
                for (int written = 0; next < entries.slots() && written < CHUNK; next++) {
                    if (!entries.activeAt(next, nowMicros)) {
                        continue;
                    }
                    Decision d = IndexSynchronizer.decision(entries.decision(next));
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
                save(bouncer, view.cursor()));
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
    private Multi<Buffer> delta(ChangeCursor since, CrowdSecFilter filter, BouncerIdentity bouncer) {
        Pass deletions = new Pass(since);
        return Multi.createBy().concatenating().streams(
                Multi.createFrom().item(Buffer.buffer("{\"deleted\":")),
                pass(deletions, filter, true),
                Multi.createFrom().item(Buffer.buffer(",\"new\":")),
                Multi.createFrom().deferred(() -> pass(new Pass(since.continuing(deletions.target, "0", 0)), filter, false)),
                Multi.createFrom().deferred(() -> save(bouncer, ChangeCursor.at(deletions.target))));
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

    private Multi<Buffer> save(BouncerIdentity bouncer, ChangeCursor cursor) {
        return Multi.createFrom().uni(database.write("crowdsec.cursor",
                        conn -> cursors.save(conn, bouncer, cursor.encode(), maxBouncersPerKey))
                .map(ignored -> Buffer.buffer("}")));
    }
}
