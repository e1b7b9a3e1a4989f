package dev.banlist.distribution.export;
import java.util.*;
/** STUB */
public final class NetworkAggregator {
    public static List<ExportEntry> aggregate(List<ExportEntry> e) { return e; }
    public static List<ExportEntry> sortAndDedupe(List<ExportEntry> e) { return e; }
}
