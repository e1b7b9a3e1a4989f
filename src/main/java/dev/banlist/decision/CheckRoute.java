package dev.banlist.decision;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.banlist.distribution.DecisionJson;
import dev.banlist.error.ErrorResponses;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.index.IndexedDecision;
import dev.banlist.net.IpNetwork;
import dev.banlist.security.ApiKeyRegistry;
import dev.banlist.security.ApiKeys;

/**
 * {@code GET /api/v1/check?ip=}: "is this address banned?", the enforcers' hot path, answered from the in-memory
 * index straight on the router. A resource method would add a request scope, security interceptors and generic
 * serialisation to a lookup that itself takes a microsecond; here the key is checked against the same in-memory
 * key registry, errors get the same bodies (through {@link ErrorResponses}), and the reply is the one the
 * resource gave: {@code {"ip","banned","decisions":[...]}}.
 */
@ApplicationScoped
public class CheckRoute {

    private final DecisionService service;
    private final IndexSynchronizer index;
    private final ApiKeyRegistry keys;
    private final ErrorResponses errors;

    CheckRoute(DecisionService service, IndexSynchronizer index, ApiKeyRegistry keys, ErrorResponses errors) {
        this.service = service;
        this.index = index;
        this.keys = keys;
        this.errors = errors;
    }

    /** The reply, for documentation and clients. */
    @RegisterForReflection
    public record CheckResult(String ip, boolean banned, List<Decision> decisions) {
    }

    void register(@Observes Router router) {
        router.route(HttpMethod.GET, "/api/v1/check").handler(this::check);
    }

    void check(RoutingContext rc) {
        String key = ApiKeys.fromRequest(rc);
        if (key == null || keys.find(key).isEmpty()) {
            // Every role may check: a known key is enough.
            errors.writeUnauthenticated(rc);
            return;
        }
        IpNetwork address;
        try {
            List<String> ips = rc.queryParam("ip");
            String ip = ips.isEmpty() ? null : ips.get(0);
            if (ip == null || ip.isBlank()) {
                throw ValidationException.of("ip", "is required");
            }
            address = RequestParams.network("ip", ip);
            if (!address.isHost()) {
                throw ValidationException.of("ip", "must be a single address, not a network");
            }
        } catch (RuntimeException e) {
            errors.write(rc, e);
            return;
        }
        List<IndexedDecision> hits = index.covering(address);
        if (hits != null) {
            StringBuilder out = new StringBuilder(64 + hits.size() * 240);
            out.append("{\"ip\":\"").append(address).append("\",\"banned\":").append(!hits.isEmpty()).append(",\"decisions\":[");
            for (int i = 0; i < hits.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                DecisionJson.append(out, hits.get(i));
            }
            rc.response().putHeader("Content-Type", "application/json;charset=UTF-8")
                    .putHeader(IndexSynchronizer.STALENESS_HEADER, IndexSynchronizer.staleness(index.stalenessSeconds()))
                    .end(out.append("]}").toString());
            return;
        }
        // Before the index has loaded (the first moments after a start), from the database.
        service.covering(address).subscribe().with(decisions -> {
            StringBuilder out = new StringBuilder(64 + decisions.size() * 240);
            out.append("{\"ip\":\"").append(address).append("\",\"banned\":").append(!decisions.isEmpty()).append(",\"decisions\":[");
            for (int i = 0; i < decisions.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                DecisionJson.append(out, decisions.get(i));
            }
            rc.response().putHeader("Content-Type", "application/json;charset=UTF-8").end(out.append("]}").toString());
        }, failure -> errors.write(rc, failure));
    }
}
