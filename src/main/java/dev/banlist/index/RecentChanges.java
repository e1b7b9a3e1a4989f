package dev.banlist.index;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import dev.banlist.changes.ChangeCursor;
import dev.banlist.changes.ChangeLog;
import dev.banlist.changes.ChangeLogRepository.Change;
import dev.banlist.changes.Snapshot;

/**
 * The change-log pages the index applied most recently, so that long polls are answered from memory: one database
 * read per index version, however many clients wait. Bounded by a number of change rows (and of pages); a cursor
 * older than what is kept is answered from the database as before.
 *
 * <p>Written by the index's applier thread only; readers see an immutable list.
 */
final class RecentChanges {

    private static final int MAX_PAGES = 1000;

    /** The changes of transactions not visible in {@code start} and visible in {@code end}. */
    record Page(ChangeCursor start, Snapshot startSnapshot, ChangeCursor end, Snapshot endSnapshot,
            List<Change> changes, boolean more) {

        boolean complete() {
            return !start.partial() && !end.partial() && startSnapshot != null && endSnapshot != null;
        }
    }

    /** Changes after a cursor as found in memory, and the cursor after them. */
    record Found(List<Change> changes, ChangeCursor next, boolean more) {
    }

    private final int capacity;
    private final Deque<Page> pages = new ArrayDeque<>();
    private int rows;
    private volatile List<Page> published = List.of();

    RecentChanges(int capacity) {
        this.capacity = capacity;
    }

    /** The index was (re)loaded at {@code at}: nothing before it is known. */
    void reset(ChangeCursor at) {
        pages.clear();
        rows = 0;
        pages.add(page(at, at, List.of(), false));
        publish();
    }

    /** The index applied the page read from {@code start}. */
    void applied(ChangeCursor start, ChangeLog.Page page) {
        Page last = pages.peekLast();
        if (last == null || !last.end().equals(start) || page.changes().size() > capacity) {
            reset(page.next());
            return;
        }
        if (page.changes().isEmpty() && !page.more() && !last.more() && !last.end().partial()) {
            // Nothing committed in between: the last page simply reaches further.
            pages.pollLast();
            pages.add(page(last.start(), page.next(), last.changes(), false));
        } else {
            pages.add(page(start, page.next(), List.copyOf(page.changes()), page.more()));
            rows += page.changes().size();
        }
        while (pages.size() > 1 && (rows > capacity || pages.size() > MAX_PAGES)) {
            rows -= pages.pollFirst().changes().size();
        }
        publish();
    }

    private static Page page(ChangeCursor start, ChangeCursor end, List<Change> changes, boolean more) {
        return new Page(start, start.partial() ? null : Snapshot.parse(start.from()), end,
                end.partial() ? null : Snapshot.parse(end.from()), changes, more);
    }

    private void publish() {
        published = List.copyOf(pages);
    }

    /**
     * The changes after {@code since}, at most {@code limit} rows, or null when memory cannot tell (an older or
     * foreign cursor, or more rows than the limit): the caller reads the database then. A cursor that already sees
     * everything the index knows gets an empty answer at itself.
     */
    Found after(ChangeCursor since, int limit) {
        List<Page> list = published;
        if (list.isEmpty()) {
            return null;
        }
        Snapshot seen = since.partial() ? null : Snapshot.parse(since.from());
        for (int i = 0; i < list.size(); i++) {
            Page p = list.get(i);
            boolean exact = p.start().equals(since);
            boolean within = !exact && seen != null && p.complete()
                    && seen.covers(p.startSnapshot()) && p.endSnapshot().covers(seen);
            if (!exact && !within) {
                continue;
            }
            List<Change> out = new ArrayList<>();
            for (Change c : p.changes()) {
                if (exact || !seen.visible(Long.parseLong(c.txid()))) {
                    out.add(c);
                }
            }
            // A page with nothing new for this cursor: the next page starts exactly where this one ends.
            while (out.isEmpty() && !p.more() && i + 1 < list.size()) {
                p = list.get(++i);
                out.addAll(p.changes());
            }
            return out.size() > limit ? null : new Found(out, p.end(), p.more());
        }
        Page last = list.get(list.size() - 1);
        if (seen != null && last.endSnapshot() != null && !last.more() && seen.covers(last.endSnapshot())) {
            return new Found(List.of(), since, false);
        }
        return null;
    }
}
