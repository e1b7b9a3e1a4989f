package dev.banlist.decision;

import java.util.List;

import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.net.IpNetwork;
import dev.banlist.security.Roles;

/** "Is this address banned?" */
@Path("/api/v1/check")
@Produces(MediaType.APPLICATION_JSON)
public class CheckResource {

    private final DecisionService service;

    CheckResource(DecisionService service) {
        this.service = service;
    }

    public record CheckResult(String ip, boolean banned, List<Decision> decisions) {
    }

    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.AGENT, Roles.ENFORCER })
    public Uni<CheckResult> check(@QueryParam("ip") String ip) {
        if (ip == null || ip.isBlank()) {
            throw ValidationException.of("ip", "is required");
        }
        IpNetwork address = RequestParams.network("ip", ip);
        if (!address.isHost()) {
            throw ValidationException.of("ip", "must be a single address, not a network");
        }
        return service.covering(address)
                .map(decisions -> new CheckResult(address.toString(), !decisions.isEmpty(), decisions));
    }
}
