package dev.banlist.security;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import dev.banlist.error.FieldError;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;

/** API keys: admin only. */
@Path("/api/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class ApiKeyResource {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private final ApiKeyService service;

    ApiKeyResource(ApiKeyService service) {
        this.service = service;
    }

    public record CreateKey(String name, String role) {
    }

    /** The only time a key's secret is shown. */
    public record CreatedKeyBody(long id, String name, String role, String key, Instant createdAt) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    public Uni<CreatedKeyBody> create(CreateKey request) {
        List<FieldError> errors = new ArrayList<>();
        if (request == null) {
            throw ValidationException.of("body", "is required");
        }
        if (request.name() == null || !NAME.matcher(request.name()).matches()) {
            errors.add(new FieldError("name", "must be 1-63 characters of a-z, 0-9 and ._-, starting with a letter or digit"));
        }
        if (request.role() == null || !Roles.ALL.contains(request.role())) {
            errors.add(new FieldError("role", "must be one of admin, agent, enforcer"));
        }
        if (!errors.isEmpty()) {
            throw new ValidationException(errors);
        }
        return service.create(request.name(), request.role())
                .map(c -> new CreatedKeyBody(c.key().id(), c.key().name(), c.key().role(), c.secret(), c.key().createdAt()));
    }

    @GET
    public Uni<List<ApiKey>> list() {
        return service.list();
    }

    @DELETE
    @Path("{id}")
    @ResponseStatus(204)
    public Uni<Void> revoke(@PathParam("id") String id) {
        return service.revoke(RequestParams.id(id));
    }
}
