package dev.banlist.distribution.export;
public record ExportEntry(dev.banlist.net.IpNetwork network, boolean manual) { }
