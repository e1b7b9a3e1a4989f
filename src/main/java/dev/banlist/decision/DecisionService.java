package dev.banlist.decision;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.error.ApiException;
import dev.banlist.error.KeysetCursor;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.net.IpNetwork;
import dev.banlist.persistence.Database;

/**
 * Owns the transaction boundary of every decision operation. A write returns once this replica's index has caught
 * up with it, so that a client reads its own write here.
 */
@ApplicationScoped
public class DecisionService {

    private static final String CURSOR_LISTING = "d1";

    private final Database database;
    private final DecisionRepository repository;
    private final IndexSynchronizer index;

    DecisionService(Database database, DecisionRepository repository, IndexSynchronizer index) {
        this.database = database;
        this.repository = repository;
        this.index = index;
    }

    /** One page of a listing, and the cursor of the next page (null on the last page). */
    public record Page(List<Decision> decisions, String nextCursor) {
    }

    /**
     * Stores the decisions in one transaction (all or none) and answers, in request order, the stored decision
     * for each; repeated keys, within the request or with an active decision, extend one decision.
     */
    public Uni<List<Decision>> create(List<NewDecision> requested) {
        Map<NewDecision.Key, NewDecision> merged = new LinkedHashMap<>();
        for (NewDecision d : requested) {
            merged.merge(d.key(), d, DecisionService::longer);
        }
        List<NewDecision> distinct = new ArrayList<>(merged.values());
        List<NewDecision.Key> keys = new ArrayList<>(merged.keySet());
        return database.write("decision.create", conn -> repository.endExpired(conn, keys)
                        .chain(() -> repository.upsert(conn, distinct)))
                .call(index::awaitSync)
                .map(stored -> {
                    Map<NewDecision.Key, Decision> byKey = new LinkedHashMap<>();
                    for (Decision d : stored) {
                        byKey.put(new NewDecision.Key(d.value(), d.type(), d.origin()), d);
                    }
                    List<Decision> answer = new ArrayList<>(requested.size());
                    for (NewDecision d : requested) {
                        answer.add(byKey.get(d.key()));
                    }
                    return answer;
                });
    }

    private static NewDecision longer(NewDecision a, NewDecision b) {
        boolean bLonger = b.duration() == null || (a.duration() != null && b.duration().compareTo(a.duration()) > 0);
        NewDecision base = bLonger ? b : a;
        return new NewDecision(base.value(), base.type(), base.origin(),
                b.jail() != null ? b.jail() : a.jail(), b.reason() != null ? b.reason() : a.reason(), base.duration());
    }

    public Uni<Decision> get(long id) {
        return database.read("decision.get", conn -> repository.findById(conn, id))
                .map(d -> found(d, "Decision " + id));
    }

    public Uni<Page> list(DecisionFilter filter, String cursor, int limit) {
        Long before = cursor == null ? null : KeysetCursor.decode(CURSOR_LISTING, cursor);
        return database.read("decision.list", conn -> repository.list(conn, filter, before, limit + 1))
                .map(rows -> rows.size() > limit
                        ? new Page(rows.subList(0, limit), KeysetCursor.encode(CURSOR_LISTING, rows.get(limit - 1).id()))
                        : new Page(rows, null));
    }

    public Uni<List<Decision>> covering(IpNetwork ip) {
        return database.read("decision.check", conn -> repository.covering(conn, ip));
    }

    public Uni<Decision> unban(long id) {
        return database.write("decision.unban", conn -> repository.end(conn, id))
                .call(index::awaitSync)
                .map(d -> found(d, "Active decision " + id));
    }

    public Uni<Integer> unbanMatching(IpNetwork value, String origin) {
        return database.write("decision.unban", conn -> repository.endMatching(conn, value, origin))
                .call(index::awaitSync);
    }

    private static Decision found(Decision decision, String what) {
        if (decision == null) {
            throw ApiException.notFound(what);
        }
        return decision;
    }
}
