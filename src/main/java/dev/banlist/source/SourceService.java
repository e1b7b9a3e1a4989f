package dev.banlist.source;

import java.util.List;
import java.util.Map;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import dev.banlist.error.ApiException;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.ValidationException;
import dev.banlist.index.IndexSynchronizer;
import dev.banlist.persistence.Database;

/** Owns the transaction boundary of every source operation but the import itself ({@link ImportRunner}). */
@ApplicationScoped
public class SourceService {

    private static final Logger LOG = Logger.getLogger(SourceService.class);

    private final IndexSynchronizer index;
    private final Database database;
    private final SourceRepository repository;
    private final SourceLabels labels;
    private final java.time.Duration bulkTimeout;

    SourceService(Database database, SourceRepository repository, SourceLabels labels,
            dev.banlist.config.BanlistConfig config, IndexSynchronizer index) {
        this.database = database;
        this.index = index;
        this.repository = repository;
        this.labels = labels;
        this.bulkTimeout = config.sources().applyTimeout();
    }

    /** The reply of a label merge: the merged map and what changed. */
    public record LabelsChange(Map<String, String> labels, int set, int removed) {
    }

    public Uni<Source> create(SourceSpec spec) {
        return database.write("source.create", conn -> repository.insert(conn, spec))
                .map(row -> {
                    if (row == null) {
                        throw new ApiException(ErrorCode.CONFLICT, "A source named '" + spec.name() + "' exists already.");
                    }
                    return row.view();
                });
    }

    public Uni<List<Source>> list() {
        return database.read("source.list", repository::list)
                .map(rows -> rows.stream().map(SourceRepository.SourceRow::view).toList());
    }

    public Uni<Source> get(long id) {
        return database.read("source.get", conn -> repository.find(conn, id)).map(row -> found(row, id).view());
    }

    /**
     * Replaces the settings under the row lock. A new URL or format fetches afresh at once; enabling a gone or
     * degraded source starts it over as pending.
     */
    public Uni<Source> update(long id, SourceSpec spec) {
        return database.write("source.update", conn -> repository.lockForChange(conn, id)
                .chain(current -> {
                    found(current, id);
                    notDeleting(current);
                    if (!current.name().equals(spec.name())) {
                        throw ValidationException.of("name", "cannot be changed (it is the origin of the source's"
                                + " decisions); create a new source instead");
                    }
                    boolean refetch = !current.view().url().equals(spec.url()) || current.format() != spec.format();
                    boolean reactivate = spec.enabled() && (!current.view().enabled()
                            || current.status().equals("gone"));
                    return repository.update(conn, id, spec, refetch, reactivate);
                }))
                .map(SourceRepository.SourceRow::view);
    }

    /**
     * Merges labels in one transaction: row lock, the deleting check under it, the size cap before the write.
     */
    public Uni<LabelsChange> patchLabels(long id, Map<String, String> patch) {
        return database.write("source.labels", conn -> repository.lockForChange(conn, id)
                .chain(current -> {
                    found(current, id);
                    notDeleting(current);
                    SourceLabels.Merge merge = SourceLabels.merge(current.view().labels(), patch);
                    labels.checkSize(merge.labels());
                    if (merge.set() == 0 && merge.removed() == 0) {
                        return Uni.createFrom().item(merge);
                    }
                    return repository.updateLabels(conn, id, merge.labels()).replaceWith(merge);
                }))
                .map(merge -> new LabelsChange(merge.labels(), merge.set(), merge.removed()));
    }

    /**
     * Deletes a source: first marks it {@code deleting} under its row lock (runs and label updates stop from then
     * on), then ends its decisions and removes it, with its run log, in one transaction.
     */
    public Uni<Integer> delete(long id) {
        return database.write("source.delete", conn -> repository.lockForDelete(conn, id)
                        .chain(status -> {
                            if (status == null) {
                                throw ApiException.notFound("Source " + id);
                            }
                            return status.equals("deleting") ? Uni.createFrom().voidItem()
                                    : repository.markDeleting(conn, id);
                        }))
                // Ending a large list's decisions takes longer than an API write may: the bulk statement timeout.
                .chain(() -> database.bulkWrite("source.delete", bulkTimeout, conn -> repository.lockForDelete(conn, id)
                        .chain(status -> {
                            if (status == null) {
                                throw ApiException.notFound("Source " + id);
                            }
                            return repository.endDecisions(conn, id)
                                    .call(() -> repository.delete(conn, id));
                        })))
                .call(index::awaitSync)
                .invoke(ended -> LOG.infof("Deleted source %d and ended its %d decisions", id, ended));
    }

    public Uni<List<SourceRun>> runs(long id, Long beforeId, int limit) {
        return database.read("source.runs", conn -> repository.find(conn, id)
                .chain(source -> {
                    found(source, id);
                    return repository.runs(conn, id, beforeId, limit);
                }));
    }

    public Uni<SourceRun> run(long id, long runId) {
        return database.read("source.runs", conn -> repository.run(conn, id, runId))
                .map(run -> {
                    if (run == null) {
                        throw ApiException.notFound("Run " + runId + " of source " + id);
                    }
                    return run;
                });
    }

    private static SourceRepository.SourceRow found(SourceRepository.SourceRow row, long id) {
        if (row == null) {
            throw ApiException.notFound("Source " + id);
        }
        return row;
    }

    private static void notDeleting(SourceRepository.SourceRow row) {
        if (row.status().equals("deleting")) {
            throw new ApiException(ErrorCode.SOURCE_DELETING, "Source " + row.id() + " is being deleted.");
        }
    }
}
