package dev.banlist.error;

import java.util.UUID;
import java.util.regex.Pattern;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.MDC;

/**
 * Gives every request an id: the client's {@code X-Request-Id} when it is sane, a new UUID otherwise. The id is
 * echoed on every response and put in the logging MDC so that every log line of the request carries it.
 */
@ApplicationScoped
public class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "request_id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    void register(@Observes Filters filters) {
        filters.register(this::assign, Integer.MAX_VALUE);
    }

    private void assign(RoutingContext rc) {
        String sent = rc.request().getHeader(HEADER);
        String id = sent != null && SANE.matcher(sent).matches() ? sent : UUID.randomUUID().toString();
        rc.put(MDC_KEY, id);
        rc.response().putHeader(HEADER, id);
        MDC.put(MDC_KEY, id);
        rc.next();
    }

    /** The current request's id, or null outside a request. */
    public static String of(RoutingContext rc) {
        return rc == null ? null : rc.get(MDC_KEY);
    }
}
