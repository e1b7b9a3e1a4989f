package dev.banlist.distribution.crowdsec;
/** STUB */
public final class GoDuration { public static String format(long nanos) { return (nanos / 1_000_000_000) + "s"; } }
