package dev.banlist.index;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import dev.banlist.changes.ChangeCursor;
import dev.banlist.changes.ChangeLog;
import dev.banlist.changes.ChangeLogRepository;
import dev.banlist.changes.ChangeLogRepository.Change;
import dev.banlist.changes.ChangeNotifier;
import dev.banlist.config.BanlistConfig;
import dev.banlist.decision.Decision;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.net.IpNetwork;
import dev.banlist.persistence.Database;
import dev.banlist.persistence.ReadFallback;
import dev.banlist.persistence.SchemaMigrator;

/**
 * Keeps this replica's {@link DecisionIndex} equal to the database's active set: loaded from a snapshot, then
 * advanced through the change log whenever a change is announced (LISTEN/NOTIFY), every poll interval in case an
 * announcement was lost, and after each of this replica's own writes (so that a client reads its own write).
 *
 * <p>The index only ever learns committed state, so it is never ahead of the database. When the database is
 * unreachable the index keeps its last state and reports how old that is. When its cursor expires, a fresh index is
 * loaded beside it and swapped in once complete; the current one serves until then, also if loading fails.
 *
 * <p>The pages it applies are kept for a while ({@link RecentChanges}) so that long polls are answered from memory.
 */
@ApplicationScoped
public class IndexSynchronizer implements ReadFallback {

    private static final Logger LOG = Logger.getLogger(IndexSynchronizer.class);
    private static final int LOAD_FETCH_SIZE = 5000;
    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration AWAIT_TIMEOUT = Duration.ofSeconds(2);

    /** Replaced whole by a reload; the old one is served until the new one is complete. */
    private volatile DecisionIndex index = new DecisionIndex();
    private final ChangeLog changeLog;
    private final ChangeLogRepository repository;
    private final Database database;
    private final ChangeNotifier notifier;
    private final SchemaMigrator migrator;
    private final BanlistConfig.Distribution config;
    private final Vertx vertx;
    private final ExecutorService applier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "banlist-index");
        t.setDaemon(true);
        return t;
    });
    /** Held for writing while a batch and its cursor are applied, for reading while a view is copied. */
    private final ReentrantReadWriteLock viewLock = new ReentrantReadWriteLock();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Waiter> waiters = new ArrayList<>();
    private volatile long completed;
    private volatile ChangeCursor cursor;
    /** When the database state the index reflects was read (System.nanoTime). */
    private volatile long syncedAtNanos;
    /** When the target snapshot of a delta still being paged was taken. */
    private long partialSince;
    private volatile boolean failing;
    /** Set while the cursor is expired and a reload has not succeeded yet (logged once per episode). */
    private boolean reloading;
    private long timer = -1;
    private final RecentChanges recent;
    /** Moves whenever the index learns changes (a page with rows, or a reload); long polls wait on it. */
    private final AtomicLong version = new AtomicLong();
    private final Set<Runnable> versionWaiters = new HashSet<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final Counter loads;
    private final Counter pageReads;

    IndexSynchronizer(ChangeLog changeLog, ChangeLogRepository repository, Database database, ChangeNotifier notifier,
            SchemaMigrator migrator, BanlistConfig config, Vertx vertx, MeterRegistry registry) {
        this.changeLog = changeLog;
        this.repository = repository;
        this.database = database;
        this.notifier = notifier;
        this.migrator = migrator;
        this.config = config.distribution();
        this.vertx = vertx;
        this.recent = new RecentChanges(this.config.recentChanges());
        this.loads = Counter.builder("banlist.index.loads")
                .description("Full loads of this replica's index (at start, and after its cursor expired)").register(registry);
        this.pageReads = Counter.builder("banlist.index.page.reads")
                .description("Change-log pages this replica's index read from the database").register(registry);
        Gauge.builder("banlist.index.entries", this, s -> s.index.size())
                .description("Decisions held in this replica's in-memory index").register(registry);
        Gauge.builder("banlist.index.staleness.seconds", this, IndexSynchronizer::stalenessSeconds)
                .description("Age of the database state this replica's index reflects (+Inf before the first load)")
                .register(registry);
    }

    private record Waiter(long target, UniEmitter<? super Void> emitter) {
    }

    void start(@Observes StartupEvent event) {
        notifier.onChange(this::requestSync);
        timer = vertx.setPeriodic(Math.max(50, config.indexPollInterval().toMillis()), id -> requestSync());
        requestSync();
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        // The applier thread is a daemon and is left running: a sync finishing during shutdown must not fail on it.
    }

    /** Seconds since the database state a read served from the index reflects, on every such reply. */
    public static final String STALENESS_HEADER = "X-Banlist-Staleness";

    /** Seconds with millisecond precision, as {@link #STALENESS_HEADER} carries them. */
    public static String staleness(double seconds) {
        if (Double.isInfinite(seconds) || Double.isNaN(seconds)) {
            return "inf";
        }
        // By hand: String.format builds locale tables on every call, which dominated the check's allocations.
        long millis = Math.round(seconds * 1000);
        long fraction = millis % 1000;
        return (millis / 1000) + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
    }

    public boolean loaded() {
        return cursor != null;
    }

    /** Seconds since the database state the index reflects; infinite before the first load. */
    public double stalenessSeconds() {
        return loaded() ? (System.nanoTime() - syncedAtNanos) / 1e9 : Double.POSITIVE_INFINITY;
    }

    @Override
    public boolean fresh() {
        return stalenessSeconds() <= config.maxStaleness().toMillis() / 1000.0;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("index_loaded", loaded());
        data.put("index_entries", index.size());
        if (loaded()) {
            data.put("index_staleness_seconds", Math.round(stalenessSeconds() * 1000) / 1000.0);
        }
        return data;
    }

    /** Active decisions covering the address, most specific first; null when the index is not loaded yet. */
    public List<IndexedDecision> covering(IpNetwork address) {
        return loaded() ? index.covering(address, nowMicros()) : null;
    }

    /** Active decisions inside the network; null when the index is not loaded yet. */
    public List<IndexedDecision> within(IpNetwork network) {
        return loaded() ? index.within(network, nowMicros()) : null;
    }


    /** The index frozen at a batch boundary with its cursor: no copy, shared by all bulk readers. */
    public record Frozen(IndexSnapshot entries, ChangeCursor cursor, double stalenessSeconds) {
    }

    /**
     * The active set with its change-log position, frozen rather than copied: taken in microseconds (so also on
     * an event loop), and shared while the index does not change; null when the index is not loaded yet.
     */
    public Frozen frozen() {
        viewLock.readLock().lock();
        try {
            ChangeCursor at = cursor;
            return at == null ? null : new Frozen(index.frozen(), at, stalenessSeconds());
        } finally {
            viewLock.readLock().unlock();
        }
    }

    static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }

    /**
     * Completes once a synchronisation that started after this call has finished (or failed), so that a write
     * just committed on this replica is visible to the next read here; gives up waiting after two seconds.
     */
    public Uni<Void> awaitSync() {
        long target = requested.incrementAndGet();
        Uni<Void> done = Uni.createFrom().emitter(emitter -> {
            Waiter waiter = new Waiter(target, emitter);
            synchronized (waiters) {
                if (completed >= target) {
                    emitter.complete(null);
                    return;
                }
                waiters.add(waiter);
            }
            emitter.onTermination(() -> {
                synchronized (waiters) {
                    waiters.remove(waiter);
                }
            });
        });
        drain();
        return done.ifNoItem().after(AWAIT_TIMEOUT).recoverWithItem((Void) null);
    }

    void requestSync() {
        requested.incrementAndGet();
        drain();
    }

    private void drain() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        long covers = requested.get();
        Uni<Void> sync;
        try {
            sync = sync();
        } catch (RuntimeException e) {
            sync = Uni.createFrom().failure(e);
        }
        sync.subscribe().with(ok -> finished(covers, null), failure -> finished(covers, failure));
    }

    private void finished(long covers, Throwable failure) {
        List<Waiter> done = new ArrayList<>();
        synchronized (waiters) {
            completed = Math.max(completed, covers);
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter waiter = it.next();
                if (waiter.target() <= covers) {
                    done.add(waiter);
                    it.remove();
                }
            }
        }
        for (Waiter waiter : done) {
            waiter.emitter().complete(null);
        }
        if (failure != null) {
            if (!failing) {
                failing = true;
                LOG.warnf("The index cannot reach the database; reads answer from the last known state: %s", failure.toString());
            }
        } else if (failing) {
            failing = false;
            LOG.info("The index is synchronised with the database again");
        }
        running.set(false);
        // After a failure the next poll tick retries, rather than a tight loop against a database that is down.
        if (failure == null && requested.get() > covers) {
            drain();
        }
    }

    private Uni<Void> sync() {
        if (!migrator.state().migrated()) {
            return Uni.createFrom().voidItem();
        }
        return cursor == null ? load() : catchUp();
    }

    /**
     * Loads the active set into a fresh index chunk by chunk, as rows arrive from one snapshot (the stream is paced
     * by the applier, so no more than a few chunks are in memory beside the tables), then swaps it in with its
     * cursor. Until then the old index and its cursor keep serving, also when the load fails.
     */
    private Uni<Void> load() {
        long startedAt = System.nanoTime();
        DecisionIndex fresh = new DecisionIndex();
        AtomicLong count = new AtomicLong();
        return database.snapshotRead("index.load", LOAD_TIMEOUT, conn -> repository.currentSnapshot(conn)
                        .chain(snapshot -> repository.active(conn, LOAD_FETCH_SIZE)
                                .group().intoLists().of(LOAD_FETCH_SIZE)
                                .onItem().transformToUniAndConcatenate(chunk -> Uni.createFrom().item(chunk)
                                        .emitOn(applier)
                                        .invoke(rows -> {
                                            List<IndexedDecision> entries = new ArrayList<>(rows.size());
                                            for (Decision d : rows) {
                                                entries.add(indexed(d));
                                            }
                                            fresh.apply(entries, List.of());
                                            count.addAndGet(rows.size());
                                        }))
                                .collect().last()
                                .replaceWith(snapshot)))
                .emitOn(applier)
                .invoke(snapshot -> {
                    ChangeCursor at = ChangeCursor.at(snapshot);
                    viewLock.writeLock().lock();
                    try {
                        index = fresh;
                        cursor = at;
                        syncedAtNanos = startedAt;
                        recent.reset(at);
                    } finally {
                        viewLock.writeLock().unlock();
                    }
                    loads.increment();
                    LOG.infof("Index loaded: %d active decisions", count.get());
                    advanced();
                })
                .replaceWithVoid();
    }

    private Uni<Void> catchUp() {
        ChangeCursor from = cursor;
        long startedAt = from.partial() ? partialSince : System.nanoTime();
        pageReads.increment();
        return changeLog.page("index.sync", from, config.indexPageSize())
                .emitOn(applier)
                .map(page -> {
                    apply(from, page);
                    reloading = false;
                    if (page.more()) {
                        partialSince = startedAt;
                    } else {
                        syncedAtNanos = startedAt;
                    }
                    return page.more();
                })
                .onFailure(ApiException.class).recoverWithUni(failure -> {
                    if (((ApiException) failure).code() == ErrorCode.CURSOR_EXPIRED) {
                        if (!reloading) {
                            reloading = true;
                            LOG.warn("The index fell behind the change log's retention; reloading it (the current"
                                    + " index keeps serving until the new one is loaded)");
                        }
                        return load().replaceWith(false);
                    }
                    return Uni.createFrom().failure(failure);
                })
                .chain(more -> more ? catchUp() : Uni.createFrom().voidItem());
    }

    private void apply(ChangeCursor from, ChangeLog.Page page) {
        Map<Long, Change> latest = new LinkedHashMap<>();
        for (Change change : page.changes()) {
            latest.put(change.decision().id(), change);
        }
        List<IndexedDecision> upserts = new ArrayList<>();
        List<DecisionIndex.Removal> removals = new ArrayList<>();
        for (Change change : latest.values()) {
            Decision d = change.decision();
            if (change.active()) {
                upserts.add(indexed(d));
            } else {
                removals.add(new DecisionIndex.Removal(d.id(), IpNetwork.parse(d.value())));
            }
        }
        viewLock.writeLock().lock();
        try {
            if (!upserts.isEmpty() || !removals.isEmpty()) {
                index.apply(upserts, removals);
            }
            cursor = page.next();
            recent.applied(from, page);
        } finally {
            viewLock.writeLock().unlock();
        }
        if (!page.changes().isEmpty()) {
            advanced();
        }
    }

    /** A delta as the stream sends it, or null when memory cannot answer for this cursor (see RecentChanges). */
    public ChangeLog.Delta recentDelta(ChangeCursor since, int limit) {
        if (!loaded()) {
            return null;
        }
        RecentChanges.Found found = recent.after(since, limit);
        if (found == null) {
            return null;
        }
        Map<Long, Change> latest = new LinkedHashMap<>();
        for (Change change : found.changes()) {
            latest.put(change.decision().id(), change);
        }
        List<Decision> added = new ArrayList<>();
        List<Decision> deleted = new ArrayList<>();
        long now = nowMicros();
        DecisionIndex current = index;
        for (Change change : latest.values()) {
            Decision d = change.decision();
            if (change.active()) {
                added.add(d);
            } else if (!stillBanned(current, d, now)) {
                deleted.add(d);
            }
        }
        return new ChangeLog.Delta(found.next(), added, deleted, found.more());
    }

    /**
     * Whether another active decision of the same type holds the same value. The index is at least as new as the
     * page, which is as safe as the database's later state: what changed since arrives in the next delta.
     */
    private static boolean stillBanned(DecisionIndex current, Decision ended, long now) {
        IpNetwork n = IpNetwork.parse(ended.value());
        for (IndexedDecision e : current.covering(n, now)) {
            if (e.id() != ended.id() && e.prefix() == n.prefix() && e.type().equals(ended.type())
                    && e.network().equals(n)) {
                return true;
            }
        }
        return false;
    }

    /** The version long polls wait on. */
    public long version() {
        return version.get();
    }

    /** Long polls waiting for the index now. */
    public int waiting() {
        return waiting.get();
    }

    /**
     * Completes when the index has learned changes after version {@code seen} was read, or after {@code timeout};
     * at once if it already has. Completes on the caller's Vert.x context.
     */
    public Uni<Void> awaitVersion(long seen, Duration timeout) {
        return Uni.createFrom().emitter(emitter -> {
            io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
            AtomicBoolean done = new AtomicBoolean();
            long[] timer = { -1 };
            Runnable[] self = new Runnable[1];
            Runnable complete = () -> {
                if (done.compareAndSet(false, true)) {
                    waiting.decrementAndGet();
                    if (timer[0] >= 0) {
                        vertx.getDelegate().cancelTimer(timer[0]);
                    }
                    synchronized (versionWaiters) {
                        versionWaiters.remove(self[0]);
                    }
                    if (context != null) {
                        context.runOnContext(v -> emitter.complete(null));
                    } else {
                        emitter.complete(null);
                    }
                }
            };
            self[0] = complete;
            waiting.incrementAndGet();
            timer[0] = vertx.getDelegate().setTimer(Math.max(1, timeout.toMillis()), id -> complete.run());
            emitter.onTermination(() -> {
                if (done.compareAndSet(false, true)) {
                    waiting.decrementAndGet();
                    if (timer[0] >= 0) {
                        vertx.getDelegate().cancelTimer(timer[0]);
                    }
                    synchronized (versionWaiters) {
                        versionWaiters.remove(complete);
                    }
                }
            });
            synchronized (versionWaiters) {
                if (version.get() == seen) {
                    versionWaiters.add(complete);
                    return;
                }
            }
            complete.run();
        });
    }

    private void advanced() {
        List<Runnable> woken;
        synchronized (versionWaiters) {
            version.incrementAndGet();
            woken = new ArrayList<>(versionWaiters);
            versionWaiters.clear();
        }
        for (Runnable wake : woken) {
            wake.run();
        }
    }

    static IndexedDecision indexed(Decision d) {
        IpNetwork n = IpNetwork.parse(d.value());
        return new IndexedDecision(d.id(), n.ipv6(), n.hi(), n.lo(), n.prefix(), d.type(), d.origin(), d.jail(),
                d.reason(), micros(d.createdAt()), d.expiresAt() == null ? Long.MAX_VALUE : micros(d.expiresAt()));
    }

    /** The entry as the API shows a decision. */
    public static Decision decision(IndexedDecision e) {
        IpNetwork n = e.network();
        return new Decision(e.id(), n.toString(), n.scope(), e.type(), e.origin(), e.jail(), e.reason(),
                instant(e.createdAtMicros()), e.expiresAtMicros() == Long.MAX_VALUE ? null : instant(e.expiresAtMicros()), null);
    }

    private static java.time.Instant instant(long micros) {
        return java.time.Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L);
    }

    private static long micros(java.time.Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }
}
