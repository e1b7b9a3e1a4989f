package dev.banlist.index;

import java.util.*;
import dev.banlist.net.IpNetwork;

/** STUB */
public final class DecisionIndex {
    public record Removal(long id, IpNetwork network) {
    }
    private final Map<Long, IndexedDecision> all = new LinkedHashMap<>();
    public synchronized void replaceAll(Iterable<IndexedDecision> e) { all.clear(); e.forEach(d -> all.put(d.id(), d)); }
    public synchronized void apply(Collection<IndexedDecision> up, Collection<Removal> rm) { rm.forEach(r -> all.remove(r.id())); up.forEach(d -> all.put(d.id(), d)); }
    public synchronized List<IndexedDecision> covering(IpNetwork a, long now) { List<IndexedDecision> o = new ArrayList<>(); for (var d : all.values()) if (d.expiresAtMicros() > now && d.network().contains(a)) o.add(d); o.sort(Comparator.comparingInt(IndexedDecision::prefix).reversed().thenComparingLong(IndexedDecision::id)); return o; }
    public synchronized List<IndexedDecision> within(IpNetwork a, long now) { List<IndexedDecision> o = new ArrayList<>(); for (var d : all.values()) if (d.expiresAtMicros() > now && a.contains(d.network())) o.add(d); return o; }
    public synchronized IndexedDecision[] snapshot(long now) { return all.values().stream().filter(d -> d.expiresAtMicros() > now).toArray(IndexedDecision[]::new); }
    public synchronized int size() { return all.size(); }
}
