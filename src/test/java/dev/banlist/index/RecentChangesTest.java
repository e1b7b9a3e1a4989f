package dev.banlist.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.banlist.changes.ChangeCursor;
import dev.banlist.changes.ChangeLog;
import dev.banlist.changes.ChangeLogRepository.Change;
import dev.banlist.changes.Snapshot;
import dev.banlist.decision.Decision;

/** Which cursors the index's recent changes can answer, and with exactly which changes. */
class RecentChangesTest {

    private static Change change(long txid, long id) {
        return new Change(Long.toString(txid), id, new Decision(id, "192.0.2." + id, "ip", "ban", "o", null, null,
                Instant.EPOCH, null, null), true);
    }

    private static ChangeLog.Page page(String to, Change... changes) {
        return new ChangeLog.Page(List.of(changes), ChangeCursor.at(to), false);
    }

    private static List<Long> ids(RecentChanges.Found found) {
        return found.changes().stream().map(c -> c.decision().id()).toList();
    }

    @Test
    void aLaterSnapshotCoversAnEarlierOneButNotTheReverse() {
        Snapshot early = Snapshot.parse("100:105:100,102");
        Snapshot late = Snapshot.parse("102:110:102,107");
        assertTrue(late.covers(early));
        assertFalse(early.covers(late));
        assertTrue(early.visible(101));
        assertFalse(early.visible(102));
        assertFalse(early.visible(105));
        assertTrue(late.visible(100));
    }

    @Test
    void aCursorBetweenTwoPagesGetsOnlyWhatItHasNotSeen() {
        RecentChanges recent = new RecentChanges(100);
        ChangeCursor start = ChangeCursor.at("100:100:");
        recent.reset(start);
        recent.applied(start, page("103:103:", change(100, 1), change(101, 2), change(102, 3)));
        // Read from the database while 101 was still in progress, after 100 and 102 committed.
        ChangeCursor foreign = ChangeCursor.at("101:103:101");
        RecentChanges.Found found = recent.after(foreign, 10);
        assertEquals(List.of(2L), ids(found));
        assertEquals(ChangeCursor.at("103:103:"), found.next());
    }

    @Test
    void emptyPagesExtendTheLastOneAndTheCursorsTheyReturnStillFindLaterChanges() {
        RecentChanges recent = new RecentChanges(100);
        ChangeCursor start = ChangeCursor.at("100:100:");
        recent.reset(start);
        ChangeCursor quiet = ChangeCursor.at("104:104:");
        recent.applied(start, page("104:104:"));
        assertEquals(List.of(), ids(recent.after(start, 10)));
        assertEquals(quiet, recent.after(start, 10).next());
        recent.applied(quiet, page("106:106:", change(104, 7)));
        assertEquals(List.of(7L), ids(recent.after(start, 10)));
        assertEquals(List.of(7L), ids(recent.after(quiet, 10)));
        assertEquals(List.of(), ids(recent.after(ChangeCursor.at("106:106:"), 10)));
    }

    @Test
    void aCursorOlderThanWhatIsKeptOrAPageOverTheLimitIsLeftToTheDatabase() {
        RecentChanges recent = new RecentChanges(2);
        ChangeCursor start = ChangeCursor.at("100:100:");
        recent.reset(start);
        ChangeCursor second = ChangeCursor.at("102:102:");
        recent.applied(start, page("102:102:", change(100, 1), change(101, 2)));
        recent.applied(second, page("104:104:", change(102, 3), change(103, 4)));
        assertNull(recent.after(start, 10), "the first page was evicted");
        assertNull(recent.after(ChangeCursor.at("90:90:"), 10));
        assertNull(recent.after(second, 1), "more rows than the limit");
        assertEquals(List.of(3L, 4L), ids(recent.after(second, 10)));
    }
}
