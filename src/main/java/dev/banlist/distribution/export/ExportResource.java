package dev.banlist.distribution.export;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.smallrye.mutiny.Multi;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestMulti;

import dev.banlist.distribution.DistributionMetrics;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.net.IpNetwork;
import dev.banlist.security.Roles;

/**
 * The effective list in an enforcer's own format, from the in-memory index (so it keeps answering while the
 * database is down), streamed, with a content {@code ETag} that is the same on every replica holding the same set.
 */
@Path("/api/v1/export")
public class ExportResource {

    /** Set when {@code limit} cut the list: how many networks there were before the cut. */
    public static final String TOTAL_HEADER = "X-Banlist-Total";
    public static final String TRUNCATED_HEADER = "X-Banlist-Truncated";
    private static final int MAX_LIMIT = 10_000_000;
    private static final Logger LOG = Logger.getLogger(ExportResource.class);

    private final IndexSynchronizer index;
    private final ExportService exports;
    private final DistributionMetrics metrics;

    ExportResource(IndexSynchronizer index, ExportService exports, DistributionMetrics metrics) {
        this.index = index;
        this.exports = exports;
        this.metrics = metrics;
    }

    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.ENFORCER })
    public RestMulti<Buffer> export(@QueryParam("format") String format, @QueryParam("family") String family,
            @QueryParam("aggregate") String aggregate, @QueryParam("limit") String limit,
            @QueryParam("type") String type, @QueryParam("name") String name,
            @HeaderParam("If-None-Match") String ifNoneMatch) {
        ExportFormat exportFormat = format(format);
        String families = family == null || family.isBlank() ? "all" : family.strip().toLowerCase(Locale.ROOT);
        if (!List.of("ipv4", "ipv6", "all").contains(families)) {
            throw ValidationException.of("family", "must be ipv4, ipv6 or all");
        }
        boolean merge = RequestParams.bool("aggregate", aggregate, false);
        int cap = limit == null || limit.isBlank() ? 0 : RequestParams.limit(limit, 0, MAX_LIMIT);
        String decisionType = type == null || type.isBlank() ? "ban" : type.strip();
        String setName = name == null || name.isBlank() ? "banlist" : name.strip();
        if (!ExportRenderer.validSetName(setName)) {
            throw ValidationException.of("name", "must start with a letter and hold at most 21 letters, digits or _");
        }
        ExportService.Request request = new ExportService.Request(exportFormat, families, merge, cap, decisionType, setName);
        String formatName = exportFormat.id();
        // Everything from here runs off the event loop, or is a cache lookup.
        return RestMulti.fromUniResponse(exports.export(request)
                        .map(rendered -> reply(exportFormat, rendered, matches(ifNoneMatch, rendered.etag())))
                        .onFailure().recoverWithItem(ExportResource::failed),
                Reply::body, Reply::headers, Reply::status);
    }

    /** What the response becomes once the rendering is there: an asynchronous RestMulti takes it in three parts. */
    private record Reply(int status, Map<String, List<String>> headers, Multi<Buffer> body) {
    }

    private Reply reply(ExportFormat format, ExportService.Rendered rendered, boolean notModified) {
        return notModified ? new Reply(304, headers(format, rendered, true), notModified(format.id()))
                : new Reply(200, headers(format, rendered, false), body(format, rendered));
    }

    /**
     * A rendering that failed after the request was accepted. The response has not started, but an asynchronous
     * RestMulti does not reach the exception mappers, so the error body is written here.
     */
    private static Reply failed(Throwable failure) {
        ErrorCode code = failure instanceof ApiException api ? api.code() : ErrorCode.INTERNAL_ERROR;
        if (code == ErrorCode.INTERNAL_ERROR) {
            LOG.error("Rendering an export failed", failure);
        }
        String body = "{\"error_code\":\"" + code.name() + "\",\"message\":\""
                + (code == ErrorCode.INTERNAL_ERROR ? "The export could not be rendered." : "The export is unavailable; retry shortly.")
                + "\",\"details\":{},\"request_id\":null}";
        return new Reply(code.status(), Map.of("Content-Type", List.of("application/json")),
                Multi.createFrom().item(Buffer.buffer(body)));
    }

    private Multi<Buffer> notModified(String formatName) {
        metrics.exported(formatName, "304", 0);
        return Multi.createFrom().empty();
    }

    private Multi<Buffer> body(ExportFormat format, ExportService.Rendered rendered) {
        // An asynchronous RestMulti writes each item as it is (the synchronous one would add a line feed after each,
        // and a resource without @Produces gets no JSON array framing): the body is byte for byte the rendering.
        String formatName = format.id();
        return Multi.createFrom().iterable(rendered.chunks())
                .map(chunk -> Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(chunk)))
                .onCompletion().invoke(() -> metrics.exported(formatName, "200", rendered.bytes()));
    }

    private Map<String, List<String>> headers(ExportFormat format, ExportService.Rendered rendered, boolean notModified) {
        Map<String, List<String>> headers = new HashMap<>();
        headers.put("ETag", List.of(rendered.etag()));
        headers.put(IndexSynchronizer.STALENESS_HEADER, List.of(IndexSynchronizer.staleness(index.stalenessSeconds())));
        if (!notModified) {
            headers.put("Content-Type", List.of(format.contentType()));
            headers.put(TRUNCATED_HEADER, List.of(Boolean.toString(rendered.cut())));
            if (rendered.cut()) {
                headers.put(TOTAL_HEADER, List.of(Integer.toString(rendered.total())));
            }
        }
        return headers;
    }

    private static ExportFormat format(String format) {
        try {
            return ExportFormat.parse(format == null || format.isBlank() ? "plain" : format.strip());
        } catch (IllegalArgumentException e) {
            throw ValidationException.of("format", "must be one of plain, ipset, nftables, nginx, json");
        }
    }

    /** A strong validator of the exact output: the request's shape and every network in it. */
    static String etag(ExportFormat format, String family, boolean aggregate, int limit, String type, String name,
            List<ExportEntry> networks) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((format + "|" + family + "|" + aggregate + "|" + limit + "|" + type + "|" + name + "|")
                    .getBytes(StandardCharsets.UTF_8));
            ByteBuffer buffer = ByteBuffer.allocate(18 * 1024);
            for (ExportEntry entry : networks) {
                if (buffer.remaining() < 18) {
                    digest.update(buffer.flip());
                    buffer.clear();
                }
                IpNetwork n = entry.network();
                buffer.put((byte) (n.ipv6() ? 6 : 4)).putLong(n.hi()).putLong(n.lo()).put((byte) n.prefix());
            }
            digest.update(buffer.flip());
            return "\"" + HexFormat.of().formatHex(digest.digest(), 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.strip();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals(etag) || c.equals("*")) {
                return true;
            }
        }
        return false;
    }
}
