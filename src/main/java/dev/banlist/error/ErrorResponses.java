package dev.banlist.error;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.banlist.persistence.DatabaseException;

/**
 * The one place that turns failures into the error body. Database failures were already logged where they were
 * classified; only the unexpected is logged here, with its stack trace, which never reaches the client.
 */
@ApplicationScoped
public class ErrorResponses {

    private static final Logger LOG = Logger.getLogger(ErrorResponses.class);
    private static final Map<ErrorCode, String> DATABASE_MESSAGES = Map.of(
            ErrorCode.DATABASE_BUSY, "The database is busy; retry shortly.",
            ErrorCode.DATABASE_TIMEOUT, "The database did not answer in time.",
            ErrorCode.DATABASE_OUTCOME_UNKNOWN, "The database did not confirm the commit in time: the write may or "
                    + "may not have been applied. Read the current state before retrying.",
            ErrorCode.DATABASE_UNAVAILABLE, "The database is unavailable.",
            ErrorCode.DATABASE_PERMISSION_DENIED, "The service is not permitted to use the database.",
            ErrorCode.DATABASE_MISCONFIGURED, "The database or its schema is missing.",
            ErrorCode.DATABASE_RESOURCES_EXHAUSTED, "The database is out of resources.",
            ErrorCode.DATABASE_CORRUPTED, "The database reported corrupted data.");

    private final ObjectMapper mapper;
    private final long maxBodySize;

    public static final String CROWDSEC_FORBIDDEN = "{\"message\":\"access forbidden\"}";

    ErrorResponses(ObjectMapper mapper,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBodySize) {
        this.mapper = mapper;
        this.maxBodySize = maxBodySize.asLongValue();
    }

    @ServerExceptionMapper
    public Response api(ApiException e, HttpServerRequest request) {
        Response response = respond(request, e.code(), e.getMessage(), e.details());
        return e.details().get("retry_after_seconds") instanceof Number seconds
                ? Response.fromResponse(response).header("Retry-After", seconds.toString()).build()
                : response;
    }

    @ServerExceptionMapper
    public Response retryLater(RetryLaterException e, HttpServerRequest request) {
        return Response.fromResponse(respond(request, e.code(), e.getMessage(), e.details()))
                .header("Retry-After", Long.toString(e.retryAfterSeconds())).build();
    }

    @ServerExceptionMapper
    public Response database(DatabaseException e, HttpServerRequest request) {
        Response response = respond(request, e.code(), DATABASE_MESSAGES.get(e.code()),
                Map.of("retryable", e.code() == ErrorCode.DATABASE_BUSY || e.code() == ErrorCode.DATABASE_TIMEOUT
                        || e.code() == ErrorCode.DATABASE_UNAVAILABLE));
        return e.code() == ErrorCode.DATABASE_BUSY
                ? Response.fromResponse(response).header("Retry-After", "1").build()
                : response;
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class })
    public Response unauthenticated(HttpServerRequest request) {
        if (crowdSecPath(request)) {
            return crowdSecForbidden();
        }
        return Response.fromResponse(respond(request, ErrorCode.UNAUTHENTICATED,
                "A valid API key is required (X-Api-Key or Authorization: Bearer).", Map.of()))
                .header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, HttpServerRequest request) {
        if (crowdSecPath(request)) {
            return crowdSecForbidden();
        }
        return respond(request, ErrorCode.FORBIDDEN, "This API key's role may not do this.", Map.of());
    }

    /** The CrowdSec bouncer API ({@code /v1/}) answers any missing, bad or under-privileged key as CrowdSec does. */
    private static boolean crowdSecPath(HttpServerRequest request) {
        return request != null && request.path() != null && request.path().startsWith("/v1/");
    }

    private static Response crowdSecForbidden() {
        return Response.status(403).type("application/json; charset=utf-8").entity(CROWDSEC_FORBIDDEN).build();
    }

    @ServerExceptionMapper
    public Response malformed(JsonParseException e, HttpServerRequest request) {
        return respond(request, ErrorCode.MALFORMED_JSON, "The body is not valid JSON"
                + (e.getLocation() == null ? "." : " (line " + e.getLocation().getLineNr()
                        + ", column " + e.getLocation().getColumnNr() + ")."), Map.of());
    }

    /** Named explicitly so that it wins over the built-in mapper of {@link MismatchedInputException}. */
    @ServerExceptionMapper({ MismatchedInputException.class, UnrecognizedPropertyException.class,
            JsonMappingException.class })
    public Response mapping(JsonMappingException e, HttpServerRequest request) {
        String field = path(e);
        String problem = e instanceof UnrecognizedPropertyException ? "unknown field" : "has the wrong type";
        return respond(request, ErrorCode.VALIDATION_FAILED, "Invalid " + field + ": " + problem,
                Map.of("fields", List.of(new FieldError(field, problem))));
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, HttpServerRequest request) {
        return respond(request, ErrorCode.MALFORMED_JSON, "The body is not valid JSON.", Map.of());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        if (e.getCause() instanceof JsonParseException parse) {
            return malformed(parse, request);
        }
        if (e.getCause() instanceof JsonMappingException mapping) {
            return mapping(mapping, request);
        }
        if (e instanceof NotFoundException) {
            return respond(request, ErrorCode.NOT_FOUND, "No such resource.", Map.of());
        }
        if (e instanceof NotAllowedException) {
            return respond(request, ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed here.", Map.of());
        }
        if (e instanceof NotSupportedException) {
            return respond(request, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send application/json.", Map.of());
        }
        if (e instanceof NotAcceptableException) {
            return respond(request, ErrorCode.NOT_ACCEPTABLE, "This resource answers application/json.", Map.of());
        }
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (status == 413) {
            return respond(request, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large.", Map.of());
        }
        if (status >= 400 && status < 500) {
            return respond(request, ErrorCode.VALIDATION_FAILED, "The request is invalid.", Map.of());
        }
        return unexpected(e, request);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpServerRequest request) {
        LOG.error("event=unexpected_error error_code=INTERNAL_ERROR", e);
        return respond(request, ErrorCode.INTERNAL_ERROR, "Internal error; quote the request id when reporting it.",
                Map.of());
    }

    private static Response respond(HttpServerRequest request, ErrorCode code, String message,
            Map<String, Object> details) {
        String requestId = request == null ? null : request.response().headers().get(RequestIds.HEADER);
        return Response.status(code.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(code.name(), message, details, requestId))
                .build();
    }

    private static String path(JsonMappingException e) {
        List<String> parts = new ArrayList<>();
        for (JsonMappingException.Reference ref : e.getPath()) {
            parts.add(ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]");
        }
        return parts.isEmpty() ? "body" : String.join(".", parts).replace(".[", "[");
    }

    /**
     * The HTTP layer answers an announced oversized body with a bare 413; this answers it first, with the body.
     * Runs after {@link RequestIds}.
     */
    void oversizedBodies(@Observes Filters filters) {
        filters.register(rc -> {
            String length = rc.request().getHeader("Content-Length");
            if (length != null && length.length() < 19 && length.chars().allMatch(Character::isDigit)
                    && Long.parseLong(length) > maxBodySize) {
                // The unread body would otherwise be parsed as the next request: close the connection.
                rc.response().putHeader("Connection", "close").endHandler(done -> rc.request().connection().close());
                write(rc, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is larger than " + maxBodySize + " bytes.");
            } else {
                rc.next();
            }
        }, Integer.MAX_VALUE - 1);
    }

    /** Error bodies for what never reaches a resource: unknown paths and failures in the HTTP layer. */
    void routes(@Observes Router router) {
        router.route().last().handler(rc -> write(rc, ErrorCode.NOT_FOUND, "No such resource."));
        router.route().order(Integer.MIN_VALUE).failureHandler(rc -> {
            if (rc.response().ended() || rc.response().headWritten()) {
                return;
            }
            switch (rc.statusCode()) {
                case 413 -> write(rc, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large.");
                case 401, 403 -> {
                    if (rc.request().path() != null && rc.request().path().startsWith("/v1/")) {
                        rc.response().setStatusCode(403).putHeader("Content-Type", "application/json; charset=utf-8")
                                .end(CROWDSEC_FORBIDDEN);
                    } else if (rc.statusCode() == 401) {
                        write(rc, ErrorCode.UNAUTHENTICATED, "A valid API key is required.");
                    } else {
                        write(rc, ErrorCode.FORBIDDEN, "This API key's role may not do this.");
                    }
                }
                case 404 -> write(rc, ErrorCode.NOT_FOUND, "No such resource.");
                case 405 -> write(rc, ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed here.");
                case 415 -> write(rc, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send application/json.");
                default -> {
                    if (rc.statusCode() >= 400 && rc.statusCode() < 500) {
                        write(rc, ErrorCode.VALIDATION_FAILED, "The request is invalid.");
                    } else {
                        if (rc.failure() != null) {
                            LOG.error("event=unexpected_error error_code=INTERNAL_ERROR", rc.failure());
                        }
                        write(rc, ErrorCode.INTERNAL_ERROR, "Internal error; quote the request id when reporting it.");
                    }
                }
            }
        });
    }

    /**
     * For routes served on the router rather than by a resource (the check): the same status, headers and body
     * the exception mappers give a resource.
     */
    public void write(RoutingContext rc, Throwable failure) {
        Response response;
        if (failure instanceof ApiException e) {
            response = api(e, rc.request());
        } else if (failure instanceof DatabaseException e) {
            response = database(e, rc.request());
        } else {
            response = unexpected(failure, rc.request());
        }
        try {
            var out = rc.response().setStatusCode(response.getStatus()).putHeader("Content-Type", MediaType.APPLICATION_JSON);
            response.getHeaders().forEach((name, values) -> {
                if (!name.equalsIgnoreCase("Content-Type")) {
                    out.putHeader(name, String.valueOf(values.get(0)));
                }
            });
            out.end(mapper.writeValueAsString(response.getEntity()));
        } catch (JsonProcessingException e) {
            rc.response().setStatusCode(500).end();
        }
    }

    /** A missing or unknown key on a route served on the router: as {@link #unauthenticated}. */
    public void writeUnauthenticated(RoutingContext rc) {
        rc.response().putHeader("WWW-Authenticate", "Bearer");
        write(rc, new ApiException(ErrorCode.UNAUTHENTICATED,
                "A valid API key is required (X-Api-Key or Authorization: Bearer)."));
    }

    private void write(RoutingContext rc, ErrorCode code, String message) {
        try {
            String body = mapper.writeValueAsString(new ErrorBody(code.name(), message, Map.of(), RequestIds.of(rc)));
            rc.response().setStatusCode(code.status()).putHeader("Content-Type", MediaType.APPLICATION_JSON).end(body);
        } catch (JsonProcessingException e) {
            rc.response().setStatusCode(500).end();
        }
    }
}
