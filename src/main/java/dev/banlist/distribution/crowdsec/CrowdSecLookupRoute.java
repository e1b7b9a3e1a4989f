package dev.banlist.distribution.crowdsec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.banlist.config.BanlistConfig;
import dev.banlist.distribution.DistributionMetrics;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.ErrorResponses;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.index.IndexSnapshot;
import dev.banlist.index.IndexedDecision;
import dev.banlist.net.IpNetwork;
import dev.banlist.security.ApiKeyRegistry;
import dev.banlist.security.ApiKeyRepository;
import dev.banlist.security.ApiKeys;
import dev.banlist.security.Roles;

/**
 * {@code GET}/{@code HEAD /v1/decisions}: CrowdSec's lookup, served on the router like the check and from the same
 * index, so that a bouncer's lookup costs what a check costs (through a resource it cost five times as much: the
 * request scope, security interceptors and building decisions and instants per match). Without {@code ip},
 * {@code range} or {@code value} it is the whole active set: rendered in chunks on a worker thread, each written
 * when the client has taken the previous one, by at most {@code banlist.distribution.max-bulk-lookups} requests at
 * once.
 */
@ApplicationScoped
public class CrowdSecLookupRoute {

    static final String PATH = "/v1/decisions";
    private static final int CHUNK = 2000;
    private static final Buffer NULL = Buffer.buffer("null");

    private final IndexSynchronizer index;
    private final ApiKeyRegistry keys;
    private final ErrorResponses errors;
    private final DistributionMetrics metrics;
    private final Duration permanent;
    private final Semaphore bulk;

    CrowdSecLookupRoute(IndexSynchronizer index, ApiKeyRegistry keys, ErrorResponses errors,
            DistributionMetrics metrics, BanlistConfig config) {
        this.index = index;
        this.keys = keys;
        this.errors = errors;
        this.metrics = metrics;
        this.permanent = config.distribution().permanentDuration();
        this.bulk = new Semaphore(Math.max(1, config.distribution().maxBulkLookups()));
    }

    void register(@Observes Router router) {
        router.route(PATH).handler(this::handle);
    }

    void handle(RoutingContext rc) {
        HttpMethod method = rc.request().method();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            errors.write(rc, new ApiException(ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed here."));
            return;
        }
        String key = ApiKeys.fromRequest(rc);
        Optional<ApiKeyRepository.Credential> credential = key == null ? Optional.empty() : keys.find(key);
        if (credential.isEmpty() || Roles.AGENT.equals(credential.get().role())) {
            // As CrowdSec answers a missing, bad or under-privileged key.
            rc.response().setStatusCode(403).putHeader("Content-Type", CrowdSecResource.JSON)
                    .end(ErrorResponses.CROWDSEC_FORBIDDEN);
            return;
        }
        if (method == HttpMethod.HEAD) {
            rc.response().putHeader("Content-Type", CrowdSecResource.JSON).end();
            return;
        }
        IpNetwork target;
        boolean exact;
        boolean contains;
        CrowdSecFilter filter;
        try {
            IpNetwork ip = RequestParams.network("ip", param(rc, "ip"));
            IpNetwork range = RequestParams.network("range", param(rc, "range"));
            IpNetwork value = RequestParams.network("value", param(rc, "value"));
            contains = RequestParams.bool("contains", param(rc, "contains"), true);
            if (ip != null && !ip.isHost()) {
                throw ValidationException.of("ip", "must be a single address, not a network");
            }
            target = ip != null ? ip : range != null ? range : value;
            exact = value != null && ip == null && range == null;
            filter = CrowdSecFilter.of(param(rc, "scope"), param(rc, "origins"), param(rc, "scenarios_containing"),
                    param(rc, "scenarios_not_containing"), param(rc, "type"));
        } catch (RuntimeException e) {
            errors.write(rc, e);
            return;
        }
        if (target == null) {
            bulk(rc, filter);
            return;
        }
        List<IndexedDecision> entries = exact || contains ? index.covering(target) : index.within(target);
        if (entries == null) {
            errors.write(rc, loading());
            return;
        }
        long now = System.currentTimeMillis() * 1000;
        StringBuilder out = null;
        for (IndexedDecision e : entries) {
            if ((exact && e.prefix() != target.prefix()) || !filter.test(e)) {
                continue;
            }
            out = out == null ? new StringBuilder(256).append('[') : out.append(',');
            CrowdSecDecisions.append(out, e, now, permanent);
        }
        // Some bouncers break on [], so no match is the JSON null, as from CrowdSec.
        String body = out == null ? "null" : out.append(']').toString();
        metrics.lookedUp(body.length());
        rc.response().putHeader("Content-Type", CrowdSecResource.JSON)
                .putHeader(IndexSynchronizer.STALENESS_HEADER, IndexSynchronizer.staleness(index.stalenessSeconds()))
                .end(body);
    }

    private static String param(RoutingContext rc, String name) {
        List<String> values = rc.queryParam(name);
        return values.isEmpty() ? null : values.get(0);
    }

    private static ApiException loading() {
        return new ApiException(ErrorCode.INDEX_LOADING, "The index is still loading; retry in a few seconds.");
    }

    private void bulk(RoutingContext rc, CrowdSecFilter filter) {
        if (!bulk.tryAcquire()) {
            rc.response().putHeader("Retry-After", "5");
            errors.write(rc, new ApiException(ErrorCode.BULK_READERS_BUSY,
                    "Too many requests for the whole set are being answered; retry in a few seconds."));
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                bulk.release();
            }
        };
        HttpServerResponse response = rc.response();
        response.closeHandler(closed -> release.run());
        // The frozen index is shared, not copied (taken in microseconds); rendering it is bulk work on workers.
        IndexSynchronizer.Frozen frozen = index.frozen();
        if (frozen == null) {
            release.run();
            errors.write(rc, loading());
            return;
        }
        response.setChunked(true).putHeader("Content-Type", CrowdSecResource.JSON)
                .putHeader(IndexSynchronizer.STALENESS_HEADER, IndexSynchronizer.staleness(frozen.stalenessSeconds()));
        new BulkWriter(rc, response, frozen.entries(), filter, release).next();
    }

    /** Writes the set one chunk at a time: each is rendered on a worker once the client has taken the previous one. */
    private final class BulkWriter {
        private final RoutingContext rc;
        private final HttpServerResponse response;
        private final IndexSnapshot entries;
        private final CrowdSecFilter filter;
        private final Runnable release;
        private final long now = System.currentTimeMillis() * 1000;
        private int next;
        private boolean wrote;
        private long bytes;

        BulkWriter(RoutingContext rc, HttpServerResponse response, IndexSnapshot entries, CrowdSecFilter filter,
                Runnable release) {
            this.rc = rc;
            this.response = response;
            this.entries = entries;
            this.filter = filter;
            this.release = release;
        }

        void next() {
            rc.vertx().executeBlocking(this::render, false).onComplete(rendered -> {
                if (response.closed() || response.ended()) {
                    release.run();
                    return;
                }
                if (rendered.failed()) {
                    release.run();
                    rc.request().connection().close(); // mid-body: only a broken connection tells the client
                    return;
                }
                Buffer chunk = rendered.result();
                bytes += chunk.length();
                if (next >= entries.slots()) {
                    response.end(chunk);
                    release.run();
                    metrics.streamed("crowdsec", "lookup", bytes);
                } else if (chunk.length() == 0) {
                    next(); // an empty chunk would end the chunked body
                } else {
                    response.write(chunk);
                    if (response.writeQueueFull()) {
                        response.drainHandler(drained -> next());
                    } else {
                        next();
                    }
                }
            });
        }

        /** The next chunk; the last one closes the array (or is the JSON null when nothing matched). */
        private Buffer render() {
            StringBuilder out = new StringBuilder(CHUNK * 160);
            for (int written = 0; next < entries.slots() && written < CHUNK; next++) {
                if (!entries.activeAt(next, now)) {
                    continue;
                }
                IndexedDecision e = entries.decision(next);
                if (filter.test(e)) {
                    out.append(wrote ? ',' : '[');
                    wrote = true;
                    CrowdSecDecisions.append(out, e, now, permanent);
                    written++;
                }
            }
            if (next >= entries.slots()) {
                if (!wrote) {
                    return NULL.copy();
                }
                out.append(']');
            }
            return Buffer.buffer(out.toString());
        }
    }
}
