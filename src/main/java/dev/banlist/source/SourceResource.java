package dev.banlist.source;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.ResponseStatus;

import dev.banlist.config.BanlistConfig;
import dev.banlist.error.KeysetCursor;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.security.Roles;

/** HTTP mapping of blocklist sources and their runs: admins change them, enforcers and admins read them. */
@Path("/api/v1/sources")
@Produces(MediaType.APPLICATION_JSON)
public class SourceResource {

    private static final String RUN_CURSOR = "r1";

    private final SourceService service;
    private final SourceRequests requests;
    private final ImportRunner runner;
    private final BanlistConfig config;
    private final SecurityIdentity identity;

    SourceResource(SourceService service, SourceRequests requests, ImportRunner runner, BanlistConfig config,
            SecurityIdentity identity) {
        this.service = service;
        this.requests = requests;
        this.runner = runner;
        this.config = config;
        this.identity = identity;
    }

    /** Enforcers see source URLs (and URLs quoted in run messages) without user info and query string. */
    private boolean redacted() {
        return !identity.hasRole(Roles.ADMIN);
    }

    /** A page of the run log, newest first, and the cursor of the next page. */
    public record RunPage(List<SourceRun> runs, String nextCursor) {
    }

    /** A started run. */
    public record RunStarted(long runId, long sourceId, String status) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Blocking // resolves the URL's host name
    @ResponseStatus(201)
    public Uni<Source> create(JsonNode body) {
        return service.create(requests.parse(body));
    }

    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public Uni<Map<String, List<Source>>> list() {
        boolean redact = redacted();
        return service.list().map(sources -> Map.of("sources",
                redact ? sources.stream().map(UrlRedaction::redact).toList() : sources));
    }

    @GET
    @Path("{id}")
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public Uni<Source> get(@PathParam("id") String id) {
        boolean redact = redacted();
        return service.get(RequestParams.id(id)).map(source -> redact ? UrlRedaction.redact(source) : source);
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Blocking // resolves the URL's host name
    public Uni<Source> update(@PathParam("id") String id, JsonNode body) {
        long sourceId = RequestParams.id(id);
        return service.update(sourceId, requests.parse(body));
    }

    /** Ends the source's decisions and removes it with its run log. */
    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.ADMIN)
    public Uni<Map<String, Integer>> delete(@PathParam("id") String id) {
        return service.delete(RequestParams.id(id)).map(ended -> Map.of("ended_decisions", ended));
    }

    /** Merges labels: a string sets a key, null removes it. */
    @PATCH
    @Path("{id}/labels")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Uni<SourceService.LabelsChange> patchLabels(@PathParam("id") String id, JsonNode body) {
        long sourceId = RequestParams.id(id);
        if (body == null || !body.isObject()) {
            throw ValidationException.of("body", "an object of label keys to string values (or null to remove) is required");
        }
        Map<String, String> patch = new LinkedHashMap<>();
        body.fields().forEachRemaining(e -> {
            String problem = SourceRequests.labelProblem(e.getKey(), e.getValue());
            if (problem != null) {
                throw ValidationException.of(e.getKey(), problem);
            }
            if (e.getValue().isNull()) {
                patch.put(e.getKey(), null);
            } else if (e.getValue().isTextual()) {
                patch.put(e.getKey(), e.getValue().asText());
            } else {
                throw ValidationException.of(e.getKey(), "must be a string, or null to remove the label");
            }
        });
        return service.patchLabels(sourceId, patch);
    }

    /** Starts a run now: 202 with the run's id, 409 when a run of this source holds its lock on any replica. */
    @POST
    @Path("{id}/runs")
    @RolesAllowed(Roles.ADMIN)
    @Blocking // takes the source's lock on a connection of its own before answering
    public Response startRun(@PathParam("id") String id) {
        long sourceId = RequestParams.id(id);
        long runId = runner.startManual(sourceId);
        return Response.accepted(new RunStarted(runId, sourceId, "running"))
                .header("Location", "/api/v1/sources/" + sourceId + "/runs/" + runId).build();
    }

    @GET
    @Path("{id}/runs")
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public Uni<RunPage> runs(@PathParam("id") String id, @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        long sourceId = RequestParams.id(id);
        int pageSize = RequestParams.limit(limit, config.decisions().defaultPageSize(), config.decisions().maxPageSize());
        Long before = cursor == null || cursor.isBlank() ? null : KeysetCursor.decode(RUN_CURSOR, cursor);
        boolean redact = redacted();
        return service.runs(sourceId, before, pageSize + 1)
                .map(runs -> redact ? runs.stream().map(UrlRedaction::redact).toList() : runs)
                .map(runs -> runs.size() > pageSize
                        ? new RunPage(runs.subList(0, pageSize), KeysetCursor.encode(RUN_CURSOR, runs.get(pageSize - 1).id()))
                        : new RunPage(runs, null));
    }

    @GET
    @Path("{id}/runs/{runId}")
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public Uni<SourceRun> run(@PathParam("id") String id, @PathParam("runId") String runId) {
        boolean redact = redacted();
        return service.run(RequestParams.id(id), RequestParams.id(runId))
                .map(run -> redact ? UrlRedaction.redact(run) : run);
    }
}
