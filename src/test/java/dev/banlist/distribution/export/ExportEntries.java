package dev.banlist.distribution.export;

import dev.banlist.net.IpNetwork;
import java.util.ArrayList;
import java.util.List;

/** Entries written as text: {@code "10.0.0.0/8"} or, for a manual entry, {@code "10.0.0.0/8!"}. */
final class ExportEntries {

    private ExportEntries() {
    }

    static List<ExportEntry> entries(String... texts) {
        List<ExportEntry> out = new ArrayList<>();
        for (String text : texts) {
            boolean manual = text.endsWith("!");
            out.add(new ExportEntry(IpNetwork.parse(manual ? text.substring(0, text.length() - 1) : text), manual));
        }
        return out;
    }

    static List<String> texts(List<ExportEntry> entries) {
        List<String> out = new ArrayList<>();
        for (ExportEntry e : entries) {
            out.add(e.network() + (e.manual() ? "!" : ""));
        }
        return out;
    }

    static List<IpNetwork> networks(String... texts) {
        List<IpNetwork> out = new ArrayList<>();
        for (String text : texts) {
            out.add(IpNetwork.parse(text));
        }
        return out;
    }
}
