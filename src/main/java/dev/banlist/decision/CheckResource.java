package dev.banlist.decision;

import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

import dev.banlist.error.RequestParams;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.index.IndexedDecision;
import dev.banlist.error.ValidationException;
import dev.banlist.net.IpNetwork;
import dev.banlist.security.Roles;

/** "Is this address banned?" */
@Path("/api/v1/check")
@Produces(MediaType.APPLICATION_JSON)
public class CheckResource {

    /** Seconds since the database state a read served from the in-memory index reflects. */
    public static final String STALENESS_HEADER = "X-Banlist-Staleness";

    private final DecisionService service;
    private final IndexSynchronizer index;

    CheckResource(DecisionService service, IndexSynchronizer index) {
        this.service = service;
        this.index = index;
    }

    public record CheckResult(String ip, boolean banned, List<Decision> decisions) {
    }

    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.AGENT, Roles.ENFORCER })
    public Uni<RestResponse<CheckResult>> check(@QueryParam("ip") String ip) {
        if (ip == null || ip.isBlank()) {
            throw ValidationException.of("ip", "is required");
        }
        IpNetwork address = RequestParams.network("ip", ip);
        if (!address.isHost()) {
            throw ValidationException.of("ip", "must be a single address, not a network");
        }
        List<IndexedDecision> hits = index.covering(address);
        if (hits != null) {
            List<Decision> decisions = new ArrayList<>(hits.size());
            for (IndexedDecision hit : hits) {
                decisions.add(IndexSynchronizer.decision(hit));
            }
            return Uni.createFrom().item(RestResponse.ResponseBuilder
                    .ok(new CheckResult(address.toString(), !decisions.isEmpty(), decisions))
                    .header(STALENESS_HEADER, staleness(index.stalenessSeconds()))
                    .build());
        }
        // Before the index has loaded (the first seconds after a start), from the database.
        return service.covering(address)
                .map(decisions -> RestResponse.ok(new CheckResult(address.toString(), !decisions.isEmpty(), decisions)));
    }

    /** Seconds with millisecond precision, as the staleness header carries them. */
    public static String staleness(double seconds) {
        return String.format(java.util.Locale.ROOT, "%.3f", seconds);
    }
}
