package dev.banlist.decision;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import dev.banlist.config.BanlistConfig;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.net.IpNetwork;
import dev.banlist.security.Roles;

/** HTTP mapping of decisions; validation of query parameters here, everything else in the service. */
@Path("/api/v1/decisions")
@Produces(MediaType.APPLICATION_JSON)
public class DecisionResource {

    private final DecisionService service;
    private final DecisionRequests requests;
    private final SecurityIdentity identity;
    private final BanlistConfig.Decisions config;

    DecisionResource(DecisionService service, DecisionRequests requests, SecurityIdentity identity,
            BanlistConfig config) {
        this.service = service;
        this.requests = requests;
        this.identity = identity;
        this.config = config.decisions();
    }

    /** The listing's page: decisions, newest first, and the cursor of the next page. */
    public record PageBody(List<Decision> decisions, String nextCursor) {
    }

    /** One decision in, one decision out; an array in, an array out. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ Roles.ADMIN, Roles.AGENT })
    @ResponseStatus(201)
    public Uni<Object> create(JsonNode body, @QueryParam("force") String force) {
        List<NewDecision> decisions = requests.parse(body, identity.getPrincipal().getName());
        boolean forced = RequestParams.bool("force", force, false);
        if (forced && !identity.hasRole(Roles.ADMIN)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "force=true needs the admin role.");
        }
        requests.checkProtected(decisions, forced);
        return service.create(decisions).map(stored -> body.isArray() ? stored : stored.get(0));
    }

    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.AGENT, Roles.ENFORCER })
    public Uni<PageBody> list(@QueryParam("contains") String contains, @QueryParam("within") String within,
            @QueryParam("origin") String origin, @QueryParam("jail") String jail,
            @QueryParam("active") String active, @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        DecisionFilter filter = new DecisionFilter(RequestParams.network("contains", contains),
                RequestParams.network("within", within), RequestParams.text("origin", origin),
                RequestParams.text("jail", jail),
                RequestParams.bool("active", active, true));
        int pageSize = RequestParams.limit(limit, config.defaultPageSize(), config.maxPageSize());
        return service.list(filter, blankToNull(cursor), pageSize)
                .map(page -> new PageBody(page.decisions(), page.nextCursor()));
    }

    @GET
    @Path("{id}")
    @RolesAllowed({ Roles.ADMIN, Roles.AGENT, Roles.ENFORCER })
    public Uni<Decision> get(@PathParam("id") String id) {
        return service.get(RequestParams.id(id));
    }

    /** Unban: the decision is ended, not deleted, and returned as it now stands. */
    @DELETE
    @Path("{id}")
    @RolesAllowed({ Roles.ADMIN, Roles.AGENT })
    public Uni<Decision> unban(@PathParam("id") String id) {
        return service.unban(RequestParams.id(id));
    }

    @DELETE
    @RolesAllowed({ Roles.ADMIN, Roles.AGENT })
    public Uni<Map<String, Integer>> unbanMatching(@QueryParam("value") String value,
            @QueryParam("origin") String origin) {
        if (value == null || value.isBlank()) {
            throw ValidationException.of("value", "is required: the address or network to unban");
        }
        IpNetwork network = RequestParams.network("value", value);
        return service.unbanMatching(network, RequestParams.text("origin", origin)).map(n -> Map.of("deleted", n));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
