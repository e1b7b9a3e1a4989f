package dev.banlist.distribution.export;

import dev.banlist.net.IpNetwork;
import java.util.Objects;

/**
 * One network of an export. {@code manual} marks a ban made by an agent or an admin rather than taken from an
 * imported list: such entries are kept first when a size limit cuts the export.
 */
public record ExportEntry(IpNetwork network, boolean manual) {

    public ExportEntry {
        Objects.requireNonNull(network, "network");
    }
}
