package dev.banlist.distribution;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.banlist.config.BanlistConfig;
import dev.banlist.error.ErrorCode;
import dev.banlist.error.RetryLaterException;

/**
 * Runs whole-set work (rendering an export, building any reply from every active decision) off the event loops,
 * on a few worker threads of its own: at most {@code banlist.distribution.bulk-readers} at once, up to
 * {@code bulk-queue} more waiting, and beyond that {@code 503 BULK_READERS_BUSY} with {@code Retry-After}. So the
 * memory held by bulk work is bounded by configuration, never by the number of clients asking at once.
 */
@ApplicationScoped
public class BulkReaders {

    private final ThreadPoolExecutor workers;
    private final long retryAfterSeconds;
    private final MeterRegistry registry;

    BulkReaders(BanlistConfig config, MeterRegistry registry) {
        BanlistConfig.Distribution c = config.distribution();
        int threads = Math.max(1, c.bulkReaders());
        BlockingQueue<Runnable> queue = c.bulkQueue() > 0 ? new ArrayBlockingQueue<>(c.bulkQueue()) : new SynchronousQueue<>();
        AtomicInteger numbers = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, queue, r -> {
            Thread t = new Thread(r, "banlist-bulk-" + numbers.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        this.retryAfterSeconds = Math.max(1, c.bulkRetryAfter().toSeconds());
        this.registry = registry;
        Gauge.builder("banlist.bulk.readers.active", workers, ThreadPoolExecutor::getActiveCount)
                .description("Bulk renderings running on this replica").register(registry);
        Gauge.builder("banlist.bulk.readers.queued", workers, w -> w.getQueue().size())
                .description("Bulk renderings waiting for a worker on this replica").register(registry);
    }

    /** Bulk work running on a worker. */
    public int active() {
        return workers.getActiveCount();
    }

    /** Bulk work waiting for a worker. */
    public int queued() {
        return workers.getQueue().size();
    }

    void stop(@Observes ShutdownEvent event) {
        workers.shutdownNow();
    }

    /**
     * Submits {@code work} to a bulk worker thread now; the Uni completes there with its result (and may be
     * subscribed to by any number of waiters). When every worker is busy and the queue is full, throws
     * {@code 503 BULK_READERS_BUSY} (a {@link RetryLaterException}) at once, before any response has started.
     * {@code kind} names the work in the rejection counter.
     */
    public <T> Uni<T> submit(String kind, Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            workers.execute(() -> {
                try {
                    result.complete(work.get());
                } catch (Throwable failure) {
                    result.completeExceptionally(failure);
                }
            });
        } catch (RejectedExecutionException e) {
            registry.counter("banlist.bulk.readers.rejected", "kind", kind).increment();
            throw new RetryLaterException(ErrorCode.BULK_READERS_BUSY,
                    "Too many whole-set reads at once on this replica; retry shortly.", retryAfterSeconds);
        }
        return Uni.createFrom().completionStage(result);
    }
}
