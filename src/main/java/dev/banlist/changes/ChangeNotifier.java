package dev.banlist.changes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import dev.banlist.persistence.DirectConnections;

/**
 * Listens on the {@code banlist_changes} channel (the change-log triggers notify it; PostgreSQL delivers at commit)
 * on a connection of its own, and wakes whoever waits for a change: long polls and the index. Every notification,
 * and every (re)connect, since notifications sent while disconnected are lost, moves a generation counter; a
 * waiter takes the generation before it reads and waits only while it is unchanged, so a commit between its read
 * and its wait still wakes it.
 */
@ApplicationScoped
public class ChangeNotifier {

    private static final Logger LOG = Logger.getLogger(ChangeNotifier.class);
    static final String CHANNEL = "banlist_changes";
    private static final long RECONNECT_MILLIS = 1000;

    private final Vertx vertx;
    private final DirectConnections connections;
    private final AtomicLong generation = new AtomicLong();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Set<Runnable> waiters = new HashSet<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile PgSubscriber subscriber;
    private volatile boolean connected;
    private volatile boolean stopped;
    private long reconnectTimer = -1;

    ChangeNotifier(Vertx vertx, DirectConnections connections) {
        this.vertx = vertx;
        this.connections = connections;
    }

    void start(@Observes StartupEvent event) {
        connect();
        reconnectTimer = vertx.setPeriodic(RECONNECT_MILLIS, id -> {
            if (!connected && subscriber == null) {
                connect();
            }
        });
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (reconnectTimer >= 0) {
            vertx.cancelTimer(reconnectTimer);
        }
        PgSubscriber current = subscriber;
        if (current != null) {
            current.closeAndForget();
        }
        changed();
    }

    private synchronized void connect() {
        if (stopped || subscriber != null) {
            return;
        }
        PgSubscriber s;
        try {
            s = PgSubscriber.subscriber(vertx, connections.options("banlist-listen"));
        } catch (IllegalArgumentException e) {
            // No or a malformed database URL: the schema migrator reports that; nothing to listen to.
            LOG.debugf("No change notifications: %s", e.getMessage());
            return;
        }
        subscriber = s;
        s.channel(CHANNEL)
                .subscribeHandler(() -> {
                    if (!connected) {
                        connected = true;
                        LOG.info("Listening for change notifications");
                    }
                    changed();
                })
                .handler(payload -> changed())
                // The close handler reports a lost connection; the exception itself needs no stack trace.
                .exceptionHandler(failure -> LOG.debugf("Change notification connection: %s", failure.toString()));
        s.closeHandler(() -> disconnected(s));
        s.connect().subscribe().with(ignored -> {
            // Without a handler the connection prints a server-side termination (a restart) to standard error.
            if (s.actualConnection() != null) {
                s.actualConnection().exceptionHandler(failure -> LOG.debugf("Change notification connection: %s", failure));
            }
        }, failure -> disconnected(s));
    }

    private synchronized void disconnected(PgSubscriber s) {
        if (subscriber != s) {
            return;
        }
        if (connected) {
            LOG.warn("Change notifications lost their connection; reconnecting (the index polls meanwhile)");
        }
        connected = false;
        subscriber = null;
        s.closeAndForget();
    }

    /** Called for things that run on every change (the index). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    public long generation() {
        return generation.get();
    }

    /** Long polls waiting now. */
    public int waiting() {
        return waiting.get();
    }

    /**
     * Completes when the generation moves past {@code seen}, or after {@code timeout}: at once if it already has.
     * Answers whether a change was signalled.
     */
    public Uni<Boolean> await(long seen, Duration timeout) {
        return Uni.createFrom().emitter(emitter -> {
            AtomicInteger done = new AtomicInteger();
            Runnable[] cancel = new Runnable[1];
            Runnable wake = () -> {
                if (done.compareAndSet(0, 1)) {
                    waiting.decrementAndGet();
                    cancel[0].run();
                    emitter.complete(true);
                }
            };
            waiting.incrementAndGet();
            long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> {
                if (done.compareAndSet(0, 1)) {
                    waiting.decrementAndGet();
                    remove(wake);
                    emitter.complete(false);
                }
            });
            cancel[0] = () -> vertx.cancelTimer(timer);
            emitter.onTermination(() -> {
                if (done.compareAndSet(0, 1)) {
                    waiting.decrementAndGet();
                    vertx.cancelTimer(timer);
                    remove(wake);
                }
            });
            synchronized (waiters) {
                if (generation.get() == seen && !stopped) {
                    waiters.add(wake);
                    return;
                }
            }
            wake.run();
        });
    }

    private void remove(Runnable wake) {
        synchronized (waiters) {
            waiters.remove(wake);
        }
    }

    /** A change was committed somewhere (or may have been, unseen): wake everyone. */
    void changed() {
        List<Runnable> woken;
        synchronized (waiters) {
            generation.incrementAndGet();
            woken = new ArrayList<>(waiters);
            waiters.clear();
        }
        for (Runnable wake : woken) {
            wake.run();
        }
        for (Runnable listener : listeners) {
            listener.run();
        }
    }
}
