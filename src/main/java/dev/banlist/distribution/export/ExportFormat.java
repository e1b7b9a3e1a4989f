package dev.banlist.distribution.export;

import java.util.Locale;

/** The file formats of an export: what a firewall or web server loads directly. */
public enum ExportFormat {
    /** One network per line. */
    PLAIN,
    /** A file for {@code ipset restore}. */
    IPSET,
    /** A file for {@code nft -f} filling named interval sets. */
    NFTABLES,
    /** {@code deny} lines to include in an nginx configuration. */
    NGINX,
    /** A JSON array of network strings. */
    JSON;

    /** The format named {@code text} (case-insensitive); {@link IllegalArgumentException} for anything else. */
    public static ExportFormat parse(String text) {
        if (text != null) {
            switch (text.toLowerCase(Locale.ROOT)) {
                case "plain":
                    return PLAIN;
                case "ipset":
                    return IPSET;
                case "nftables":
                    return NFTABLES;
                case "nginx":
                    return NGINX;
                case "json":
                    return JSON;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("format must be one of plain, ipset, nftables, nginx, json");
    }

    public String contentType() {
        return this == JSON ? "application/json" : "text/plain; charset=utf-8";
    }

    /** The lower-case name used in requests. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
