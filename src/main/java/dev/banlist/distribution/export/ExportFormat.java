package dev.banlist.distribution.export;
/** STUB */
public enum ExportFormat { PLAIN, IPSET, NFTABLES, NGINX, JSON;
    public static ExportFormat parse(String s) { return valueOf(s.toUpperCase()); }
    public String contentType() { return this == JSON ? "application/json" : "text/plain; charset=utf-8"; } }
