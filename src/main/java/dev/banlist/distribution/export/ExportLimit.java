package dev.banlist.distribution.export;
import java.util.*;
/** STUB */
public final class ExportLimit {
    public record Limited(List<ExportEntry> entries, int total, boolean cut) { }
    public static Limited apply(List<ExportEntry> e, int limit) { return new Limited(e, e.size(), false); }
}
