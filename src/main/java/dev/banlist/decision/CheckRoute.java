package dev.banlist.decision;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.banlist.distribution.DecisionJson;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
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
        router.route("/api/v1/check").handler(rc -> {
            if (rc.request().method() == HttpMethod.GET) {
                check(rc);
            } else {
                errors.write(rc, new ApiException(ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed here."));
            }
        });
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
            rc.response().putHeader(IndexSynchronizer.STALENESS_HEADER, IndexSynchronizer.staleness(index.stalenessSeconds()));
            reply(rc, address, hits.size(), (out, i) -> DecisionJson.append(out, hits.get(i)));
            return;
        }
        // Before the index has loaded (the first moments after a start), from the database.
        service.covering(address).subscribe().with(
                decisions -> reply(rc, address, decisions.size(), (out, i) -> DecisionJson.append(out, decisions.get(i))),
                failure -> errors.write(rc, failure));
    }

    private static void reply(RoutingContext rc, IpNetwork address, int count, java.util.function.ObjIntConsumer<StringBuilder> decision) {
        StringBuilder out = new StringBuilder(64 + count * 240);
        out.append("{\"ip\":\"").append(address).append("\",\"banned\":").append(count > 0).append(",\"decisions\":[");
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                out.append(',');
            }
            decision.accept(out, i);
        }
        rc.response().putHeader("Content-Type", "application/json;charset=UTF-8").end(out.append("]}").toString());
    }
}
