package dev.banlist.source;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import dev.banlist.config.BanlistConfig;
import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.net.ProtectedRanges;
import dev.banlist.persistence.AdvisoryLocks;
import dev.banlist.persistence.Database;
import dev.banlist.persistence.DatabaseException;
import dev.banlist.source.ImportFailure.Code;

/**
 * Runs imports: one at a time per source across all replicas (a PostgreSQL advisory lock held for the whole run,
 * download included), each applied in a single transaction that changes only the difference.
 *
 * <p>Runs execute on a small pool of their own threads and block there: a run is a long, sequential job, and
 * blocking keeps its steps readable. The event loop is never blocked.
 */
@ApplicationScoped
public class ImportRunner {

    private static final Logger LOG = Logger.getLogger(ImportRunner.class);
    private static final Duration MAX_RETRY_AFTER = Duration.ofHours(24);

    private final Database database;
    private final SourceRepository sources;
    private final ImportRepository imports;
    private final AdvisoryLocks locks;
    private final ListFetcher fetcher;
    private final ProtectedRanges protectedRanges;
    private final ImportMetrics metrics;
    private final BanlistConfig.Sources config;
    private final String instance;
    private final String lockTimeout;
    private final ExecutorService executor;
    private final SettingsFingerprint fingerprints;
    /** Sources this replica is running or has queued, so that its own scheduler does not queue them twice. */
    private final Set<Long> local = ConcurrentHashMap.newKeySet();

    ImportRunner(Database database, SourceRepository sources, ImportRepository imports, AdvisoryLocks locks,
            ListFetcher fetcher, ProtectedRanges protectedRanges, ImportMetrics metrics, BanlistConfig config) {
        this.database = database;
        this.sources = sources;
        this.imports = imports;
        this.locks = locks;
        this.fetcher = fetcher;
        this.protectedRanges = protectedRanges;
        this.metrics = metrics;
        this.config = config.sources();
        this.instance = config.instance().orElseGet(ImportRunner::hostName);
        this.lockTimeout = config.database().lockTimeout().toMillis() + "ms";
        this.fingerprints = new SettingsFingerprint(config.protectedRanges());
        this.executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "banlist-import");
            thread.setDaemon(true);
            return thread;
        });
    }

    void stop(@Observes ShutdownEvent event) {
        executor.shutdownNow();
    }

    String instance() {
        return instance;
    }

    /**
     * Starts a manual run: takes the source's lock here, so that the caller learns at once whether another run
     * holds it, then downloads and applies in the background. Blocking.
     *
     * @return the run's id
     */
    long startManual(long sourceId) {
        SourceRepository.SourceRow source = await(database.read("source.get", conn -> sources.find(conn, sourceId)));
        if (source == null) {
            throw ApiException.notFound("Source " + sourceId);
        }
        if (source.status().equals("deleting")) {
            throw new ApiException(ErrorCode.SOURCE_DELETING, "Source " + sourceId + " is being deleted.");
        }
        AdvisoryLocks.Held lock = lock(sourceId)
                .orElseThrow(() -> new ApiException(ErrorCode.IMPORT_RUNNING,
                        "An import of source " + sourceId + " is running; try again when it has finished."));
        try {
            long runId = await(database.write("source.run.start",
                    conn -> sources.insertRun(conn, sourceId, "manual", instance, "running")));
            local.add(sourceId);
            executor.execute(() -> {
                try (lock) {
                    execute(lock, source, runId);
                } finally {
                    local.remove(sourceId);
                }
            });
            return runId;
        } catch (RuntimeException e) {
            local.remove(sourceId);
            lock.close();
            throw e;
        }
    }

    /** Queues a scheduled run of a due source unless this replica already has one queued or running. */
    void submitScheduled(long sourceId) {
        if (!local.add(sourceId)) {
            return;
        }
        try {
            executor.execute(() -> {
                try {
                    runScheduled(sourceId);
                } finally {
                    local.remove(sourceId);
                }
            });
        } catch (RejectedExecutionException e) {
            local.remove(sourceId); // shutting down
        }
    }

    private void runScheduled(long sourceId) {
        try {
            Optional<AdvisoryLocks.Held> held = lock(sourceId);
            if (held.isEmpty()) {
                skippedLocked(sourceId);
                return;
            }
            try (AdvisoryLocks.Held lock = held.get()) {
                // Another replica may have run it between our look at the due list and taking the lock.
                SourceRepository.SourceRow source = await(database.read("source.get", conn -> sources.findDue(conn, sourceId)));
                if (source == null) {
                    return;
                }
                long runId = await(database.write("source.run.start",
                        conn -> sources.insertRun(conn, sourceId, "schedule", instance, "running")));
                execute(lock, source, runId);
            }
        } catch (RuntimeException e) {
            LOG.warnf("Scheduled import of source %d could not start: %s", sourceId, e.getMessage());
        }
    }

    /**
     * Records a skip once per due time: while a long run holds the source, every tick of every other replica
     * finds it due and locked, and only the first of them writes a run row and counts it.
     */
    private void skippedLocked(long sourceId) {
        SourceRepository.SourceRow source = await(database.read("source.get", conn -> sources.find(conn, sourceId)));
        if (source == null) {
            return;
        }
        Long runId = await(database.write("source.run.skip", conn -> sources.insertSkipped(conn, sourceId, instance)
                .call(id -> id == null ? Uni.createFrom().voidItem() : sources.recordSkipped(conn, sourceId, id))));
        if (runId != null) {
            metrics.skippedLocked(source.name());
            metrics.run(source.name(), RunOutcome.SKIPPED_LOCKED, null);
        }
    }

    private Optional<AdvisoryLocks.Held> lock(long sourceId) {
        return await(locks.tryLock(AdvisoryLocks.SOURCE_IMPORT, sourceId));
    }

    /** One run, with the lock held: download, parse, apply, record. Never throws. */
    private void execute(AdvisoryLocks.Held lock, SourceRepository.SourceRow source, long runId) {
        long started = System.nanoTime();
        MDC.put("source", source.name());
        MDC.put("run_id", runId);
        ListParser parser = null;
        Long bytes = null;
        Integer httpStatus = null;
        String status;
        // Settings the last apply did not use (a new jail, ban duration, max entries or protected ranges) take
        // effect now: fetched without validators and applied even if the body is the same.
        String settings = fingerprints.of(source);
        boolean settingsApplied = settings.equals(source.appliedSettings());
        try {
            await(database.write("source.run.start", conn -> sources.failInterrupted(conn, source.id(), runId)));
            // max_entries is enforced while parsing: the entry past it stops the download
            ParsedList entries = new ParsedList(source.view().maxEntries());
            ListParser listParser = new ListParser(source.format(), entries);
            parser = listParser;
            ListFetcher.Fetched fetched = fetcher.fetch(source.view().url(),
                    settingsApplied ? source.view().etag() : null, settingsApplied ? source.lastModified() : null,
                    listParser::feed);
            httpStatus = fetched.httpStatus();
            if (fetched.notModified()) {
                status = finishUnchanged(source, runId, RunOutcome.NOT_MODIFIED, fetched, null);
                return;
            }
            bytes = fetched.bytes();
            listParser.finish();
            if (settingsApplied && fetched.sha256().equals(source.bodySha256())) {
                status = finishUnchanged(source, runId, RunOutcome.UNCHANGED, fetched, listParser);
                return;
            }
            long lines = listParser.validLines() + listParser.invalidLines();
            if (lines > 0 && listParser.invalidLines() > config.maxInvalidRatio() * lines) {
                throw new ImportFailure(Code.PARSE_ERROR_RATE, listParser.invalidLines() + " of " + lines
                        + " lines are not addresses or networks (more than "
                        + Math.round(config.maxInvalidRatio() * 100) + "%); nothing was applied", 200, null);
            }
            entries.finish(protectedRanges);
            if (entries.size() == 0 && source.view().entries() > 0) {
                throw new ImportFailure(Code.EMPTY_LIST, "The list has no entries while "
                        + source.view().entries() + " are applied; kept them (an empty answer is more likely a"
                        + " broken upstream than an empty list)", 200, null);
            }
            await(lock.verify());
            status = apply(lock, source, runId, entries, fetched, listParser, started, settings, !settingsApplied);
        } catch (Superseded superseded) {
            status = finishSuperseded(source, runId, RunOutcome.superseded(new RunOutcome(RunOutcome.SUCCESS,
                    httpStatus, bytes, null, null, null, null, parser == null ? null : (int) parser.invalidLines(),
                    parser == null ? null : RunOutcome.samples(parser), null, null)));
        } catch (ImportFailure failure) {
            status = finishFailed(source, runId, failure, bytes, parser);
        } catch (DatabaseException failure) {
            status = finishFailed(source, runId, new ImportFailure(Code.DATABASE_ERROR,
                    "Database: " + failure.code() + " (" + failure.getMessage() + ")"), bytes, parser);
        } catch (RuntimeException failure) {
            LOG.error("Import run failed unexpectedly", failure);
            status = finishFailed(source, runId, new ImportFailure(Code.INTERNAL_ERROR,
                    "Internal error: " + failure.getClass().getSimpleName()), bytes, parser);
        } finally {
            MDC.remove("source");
            MDC.remove("run_id");
        }
        metrics.run(source.name(), status, Duration.ofNanos(System.nanoTime() - started));
    }

    private String apply(AdvisoryLocks.Held lock, SourceRepository.SourceRow source, long runId, ParsedList entries,
            ListFetcher.Fetched fetched, ListParser parser, long started, String settings, boolean settingsChanged) {
        int chunk = config.applyChunkSize();
        // added, removed, and (when the settings changed) decisions given the new jail, grace or protection
        int[] changes = new int[3];
        // When each step ended (System.nanoTime), for the log line: staged, removed, added.
        long[] at = new long[3];
        long applyStarted = System.nanoTime();
        await(database.bulkWrite("source.import", config.applyTimeout(), conn -> imports
                .awaitEarlierApply(conn, source.id(), config.applyTimeout(), lockTimeout)
                .chain(() -> lock.stillHeld(conn))
                .invoke(held -> {
                    // Frozen past the lock session's timeout: another replica may have run since; apply nothing.
                    if (!held) {
                        throw new ImportFailure(Code.LOCK_LOST, "This replica lost the source's lock during the run");
                    }
                })
                .chain(() -> imports.holdSource(conn, source.id()))
                .invoke(held -> {
                    if (held == null || held.status().equals("deleting")) {
                        throw new ImportFailure(Code.SOURCE_DELETING, "The source is being deleted");
                    }
                    if (held.settingsVersion() != source.settingsVersion()) {
                        throw new Superseded(); // changed during the download: apply nothing of the old view
                    }
                })
                .chain(() -> imports.createStaging(conn))
                .chain(() -> stageAll(conn, entries, 0, chunk))
                .chain(() -> imports.analyzeStaging(conn))
                .invoke(() -> at[0] = System.nanoTime())
                .chain(() -> imports.planDiff(conn))
                .chain(() -> imports.endExpired(conn, source.id()))
                .chain(() -> settingsChanged ? applySettings(conn, source) : Uni.createFrom().item(0))
                .invoke(count -> changes[2] = count)
                .chain(() -> imports.removeMissing(conn, source.id(), source.banDuration()))
                .invoke(removed -> {
                    changes[1] = removed;
                    at[1] = System.nanoTime();
                })
                .chain(() -> imports.addNew(conn, source.id(), "list:" + source.name(), source.view().jail()))
                .invoke(added -> {
                    changes[0] = added;
                    at[2] = System.nanoTime();
                })
                // Last, and only if the settings are still those the run read: the update keeps the row locked
                // until commit, so a settings change made during the apply either came before (and the whole
                // apply rolls back) or waits for the commit.
                .chain(() -> sources.recordSuccess(conn, source.id(), source.settingsVersion(), runId, entries.size(),
                        fetched.etag(), fetched.lastModified(), fetched.sha256(), settings))
                .invoke(recorded -> {
                    if (!recorded) {
                        throw new Superseded();
                    }
                })
                .chain(() -> sources.finishRun(conn, runId, new RunOutcome(RunOutcome.SUCCESS, fetched.httpStatus(),
                        fetched.bytes(), entries.size(), changes[0], changes[1], entries.protectedCount(),
                        (int) parser.invalidLines(), RunOutcome.samples(parser), null, null)))),
                config.applyTimeout().multipliedBy(2));
        long committed = System.nanoTime();
        metrics.entries(source.name(), changes[0], changes[1]);
        if (changes[2] > 0) {
            LOG.infof("Source %s applied its changed settings (jail, ban duration, max entries or protected ranges)"
                    + " to %d decisions", source.name(), changes[2]);
        }
        LOG.infof("Imported source %s: %d entries, %d added, %d removed, %d protected skipped, %d invalid lines;"
                + " downloaded and parsed in %d ms, staged in %d ms, removed in %d ms, added in %d ms,"
                + " committed in %d ms", source.name(), entries.size(), changes[0], changes[1],
                entries.protectedCount(), parser.invalidLines(), millis(started, applyStarted),
                millis(applyStarted, at[0]), millis(at[0], at[1]), millis(at[1], at[2]), millis(at[2], committed));
        return RunOutcome.SUCCESS;
    }

    /**
     * Brings the source's open decisions in line with settings the last apply did not use: the current jail,
     * grace periods under way no longer than the current ban duration, none inside a protected range.
     */
    private Uni<Integer> applySettings(io.vertx.mutiny.sqlclient.SqlClient conn, SourceRepository.SourceRow source) {
        return imports.updateJail(conn, source.id(), source.view().jail())
                .chain(jail -> imports.shortenGrace(conn, source.id(), source.banDuration()).map(grace -> jail + grace))
                .chain(sum -> imports.endProtected(conn, source.id(), fingerprints.protectedCidrs())
                        .map(ended -> sum + ended));
    }

    private static long millis(long from, long to) {
        return (to - from) / 1_000_000;
    }

    private Uni<Void> stageAll(io.vertx.mutiny.sqlclient.SqlClient conn, ParsedList entries, int from, int chunk) {
        if (from >= entries.size()) {
            return Uni.createFrom().voidItem();
        }
        int to = Math.min(entries.size(), from + chunk);
        return imports.stage(conn, entries.texts(from, to)).chain(() -> stageAll(conn, entries, to, chunk));
    }

    private String finishUnchanged(SourceRepository.SourceRow source, long runId, String status,
            ListFetcher.Fetched fetched, ListParser parser) {
        RunOutcome outcome = new RunOutcome(status, fetched.httpStatus(), fetched.bytes(), source.view().entries(),
                0, 0, null, parser == null ? null : (int) parser.invalidLines(),
                parser == null ? null : RunOutcome.samples(parser), null, null);
        boolean recorded = await(database.write("source.run.finish", conn -> sources.recordSuccess(conn, source.id(),
                        source.settingsVersion(), runId, null, fetched.etag(), fetched.lastModified(), null, null)
                .call(current -> recordRun(conn, source, runId, outcome, current))));
        if (!recorded) {
            logSuperseded(source);
            return RunOutcome.SUPERSEDED;
        }
        LOG.infof("Source %s is %s", source.name(), status.replace('_', ' '));
        return status;
    }

    private String finishFailed(SourceRepository.SourceRow source, long runId, ImportFailure failure, Long bytes,
            ListParser parser) {
        RunOutcome outcome = RunOutcome.failed(failure, bytes, parser);
        boolean gone = failure.code() == Code.UPSTREAM_GONE;
        int goneCount = gone ? source.consecutiveGone() + 1 : 0;
        int failures = source.consecutiveFailures() + 1;
        String status = goneCount >= 2 ? "gone" : "degraded";
        Duration retryIn = backoff(source, failures, failure.retryAfter());
        boolean recorded = true;
        try {
            recorded = await(database.write("source.run.finish", conn -> (failure.code() == Code.SOURCE_DELETING
                            ? Uni.createFrom().item(true)
                            : sources.recordFailure(conn, source.id(), source.settingsVersion(), runId, status,
                                    failures, goneCount, retryIn))
                    .call(current -> recordRun(conn, source, runId, outcome, current))));
        } catch (RuntimeException e) {
            LOG.warnf("Could not record the failed run %d of source %s: %s", runId, source.name(), e.getMessage());
        }
        if (!recorded) {
            LOG.warnf("Import of source %s failed (%s): %s", source.name(), failure.code(), failure.getMessage());
            logSuperseded(source);
            return RunOutcome.SUPERSEDED;
        }
        LOG.warnf("Import of source %s failed (%s): %s; source is %s%s", source.name(), failure.code(),
                failure.getMessage(), status, status.equals("gone") ? " and no longer scheduled"
                        : ", next try in " + Durations.format(retryIn));
        return RunOutcome.FAILED;
    }

    /** An apply rolled back because the source changed under it: the run log only, and due again now. */
    private String finishSuperseded(SourceRepository.SourceRow source, long runId, RunOutcome outcome) {
        try {
            await(database.write("source.run.finish", conn -> sources.finishRun(conn, runId, outcome)
                    .call(() -> sources.markDueNow(conn, source.id()))));
        } catch (RuntimeException e) {
            LOG.warnf("Could not record the superseded run %d of source %s: %s", runId, source.name(), e.getMessage());
        }
        logSuperseded(source);
        return RunOutcome.SUPERSEDED;
    }

    /**
     * The run's outcome in the run log; when the source row was not written because it changed under the run,
     * the run is marked superseded and the source due again at once.
     */
    private Uni<Void> recordRun(io.vertx.mutiny.sqlclient.SqlClient conn, SourceRepository.SourceRow source,
            long runId, RunOutcome outcome, boolean current) {
        if (current) {
            return sources.finishRun(conn, runId, outcome);
        }
        return sources.finishRun(conn, runId, RunOutcome.superseded(outcome))
                .call(() -> sources.markDueNow(conn, source.id()));
    }

    private static void logSuperseded(SourceRepository.SourceRow source) {
        LOG.infof("Source %s changed while it was being imported (new settings, or deletion): the run recorded"
                + " nothing on the source, which is due again now", source.name());
    }

    /** Exponential from the configured backoff, capped at the interval; a longer Retry-After is honoured. */
    private Duration backoff(SourceRepository.SourceRow source, int failures, Duration retryAfter) {
        Duration delay = config.retryBackoff().multipliedBy(1L << Math.min(failures - 1, 20));
        if (delay.compareTo(source.interval()) > 0) {
            delay = source.interval();
        }
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
        }
        return delay;
    }

    /** The source's settings changed since the run read them: nothing of the run may be applied or recorded. */
    private static final class Superseded extends RuntimeException {
        Superseded() {
            super("The source's settings changed during the run", null, false, false);
        }
    }

    private static <T> T await(Uni<T> uni) {
        return uni.await().atMost(Duration.ofMinutes(5));
    }

    private static <T> T await(Uni<T> uni, Duration timeout) {
        return uni.await().atMost(timeout);
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
