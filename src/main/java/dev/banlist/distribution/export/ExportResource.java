package dev.banlist.distribution.export;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import io.smallrye.mutiny.Multi;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import org.jboss.resteasy.reactive.RestMulti;

import dev.banlist.distribution.DistributionMetrics;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.RequestParams;
import dev.banlist.error.ValidationException;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.index.IndexedDecision;
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

    private final IndexSynchronizer index;
    private final DistributionMetrics metrics;

    ExportResource(IndexSynchronizer index, DistributionMetrics metrics) {
        this.index = index;
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
        IndexSynchronizer.View view = index.view();
        if (view == null) {
            throw new ApiException(ErrorCode.INDEX_LOADING, "The index is still loading; retry in a few seconds.");
        }
        List<ExportEntry> entries = new ArrayList<>(view.entries().length);
        for (IndexedDecision e : view.entries()) {
            if (e.type().equals(decisionType) && (families.equals("all") || e.ipv6() == families.equals("ipv6"))) {
                entries.add(new ExportEntry(e.network(), !e.origin().startsWith("list:")));
            }
        }
        List<ExportEntry> networks = merge ? NetworkAggregator.aggregate(entries) : NetworkAggregator.sortAndDedupe(entries);
        // The allowlist (a later feature) is cut out here with NetworkAggregator.subtract.
        ExportLimit.Limited limited = ExportLimit.apply(networks, cap);
        String etag = etag(exportFormat, families, merge, cap, decisionType, setName, limited.entries());
        String formatName = exportFormat.name().toLowerCase(Locale.ROOT);
        String staleness = IndexSynchronizer.staleness(view.stalenessSeconds());
        if (matches(ifNoneMatch, etag)) {
            metrics.exported(formatName, "304", 0);
            return RestMulti.fromMultiData(Multi.createFrom().<Buffer>empty())
                    .status(304).header("ETag", etag).header(IndexSynchronizer.STALENESS_HEADER, staleness).build();
        }
        Iterator<byte[]> chunks = ExportRenderer.render(exportFormat, setName, limited.entries());
        long[] bytes = new long[1];
        // RESTEasy ends every streamed item with a line feed; text chunks end with one of their own, so it is
        // taken off here and the body comes out byte for byte as rendered. (JSON chunks end between elements,
        // where a line feed is only whitespace.)
        boolean lines = exportFormat != ExportFormat.JSON;
        Multi<Buffer> body = Multi.createFrom().<byte[]>iterable(() -> chunks)
                .map(chunk -> lines && chunk.length > 0 && chunk[chunk.length - 1] == '\n'
                        ? Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(chunk, 0, chunk.length - 1))
                        : Buffer.buffer(chunk))
                .invoke(b -> bytes[0] += b.length())
                .onCompletion().invoke(() -> metrics.exported(formatName, "200", bytes[0]));
        var response = RestMulti.fromMultiData(body)
                .encodeAsJsonArray(false)
                .header("Content-Type", exportFormat.contentType())
                .header("ETag", etag)
                .header(IndexSynchronizer.STALENESS_HEADER, staleness)
                .header(TRUNCATED_HEADER, Boolean.toString(limited.cut()));
        if (limited.cut()) {
            response.header(TOTAL_HEADER, Integer.toString(limited.total()));
        }
        return response.build();
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
