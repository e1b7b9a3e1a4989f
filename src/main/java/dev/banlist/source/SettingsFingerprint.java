package dev.banlist.source;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import dev.banlist.net.IpNetwork;

/**
 * What an apply's result depends on besides the list itself: the source's jail, ban duration, max entries and
 * format, and the configured protected ranges. A run whose fingerprint differs from the one its source's last
 * apply recorded fetches without validators and applies even an unchanged body, so that such a change takes
 * effect on the next run.
 */
final class SettingsFingerprint {

    /** Bump when the apply's handling of these settings changes, so that every source applies once more. */
    private static final String REVISION = "1";

    private final List<String> protectedRanges;
    /** The ranges as PostgreSQL {@code cidr} text, for ending decisions that a newly protected range covers. */
    private final String[] protectedCidrs;

    SettingsFingerprint(List<String> protectedRanges) {
        List<IpNetwork> ranges = protectedRanges.stream().filter(s -> !s.isBlank()).map(IpNetwork::parse).toList();
        this.protectedRanges = ranges.stream().map(IpNetwork::toString).sorted().distinct().toList();
        this.protectedCidrs = ranges.stream().map(r -> r.address() + "/" + r.prefix()).toArray(String[]::new);
    }

    String of(SourceRepository.SourceRow source) {
        String text = String.join("\n", REVISION, source.format().wireName(), source.view().jail() == null ? "-" : "=" + source.view().jail(),
                source.banDuration() == null ? "until_removed" : String.valueOf(source.banDuration().toSeconds()),
                String.valueOf(source.view().maxEntries()), String.join(",", protectedRanges));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String[] protectedCidrs() {
        return protectedCidrs.clone();
    }
}
