package dev.banlist.distribution.export;
import java.util.*;
/** STUB */
public final class ExportRenderer {
    public static boolean validSetName(String s) { return true; }
    public static Iterator<byte[]> render(ExportFormat f, String name, List<ExportEntry> e) { StringBuilder b = new StringBuilder(); e.forEach(x -> b.append(x.network()).append('\n')); return List.of(b.toString().getBytes()).iterator(); }
}
