package dev.banlist.source;

import java.util.Arrays;

/** How a list's lines are read. */
public enum SourceFormat {
    /** One address or network per line; {@code #} starts a comment (FireHOL netset/ipset, abuse.ch). */
    PLAIN("plain"),
    /** Spamhaus DROP: {@code CIDR ; SBLnnnn}; {@code ;} starts a comment. */
    SPAMHAUS("spamhaus"),
    /** Spamhaus DROP JSON: one object per line with a {@code cidr} field; the metadata object is skipped. */
    SPAMHAUS_JSON("spamhaus-json");

    private final String wireName;

    SourceFormat(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static SourceFormat fromWire(String name) {
        return Arrays.stream(values()).filter(f -> f.wireName.equals(name)).findFirst().orElse(null);
    }
}
