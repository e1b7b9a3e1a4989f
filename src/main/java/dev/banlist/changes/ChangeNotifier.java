package dev.banlist.changes;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import dev.banlist.config.BanlistConfig;
import dev.banlist.persistence.DirectConnections;

/**
 * Listens on the {@code banlist_changes} channel (the change-log triggers notify it; PostgreSQL delivers at commit)
 * on a connection of its own, and tells whoever follows changes (the index). Every notification, and every
 * (re)connect, since notifications sent while disconnected are lost, moves a generation counter.
 *
 * <p>A connection can die without closing (a partition, a frozen server process): no notification arrives and
 * nothing says so. Every {@code banlist.distribution.listener-check-interval} a query on it must answer within
 * that interval, or the connection is dropped and replaced.
 */
@ApplicationScoped
public class ChangeNotifier {

    private static final Logger LOG = Logger.getLogger(ChangeNotifier.class);
    static final String CHANNEL = "banlist_changes";
    private static final long RECONNECT_MILLIS = 1000;

    private final Vertx vertx;
    private final DirectConnections connections;
    private final Duration checkInterval;
    private final AtomicLong generation = new AtomicLong();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Counter reconnects;
    private volatile PgSubscriber subscriber;
    private volatile boolean connected;
    private volatile boolean stopped;
    private long reconnectTimer = -1;
    private long checkTimer = -1;

    ChangeNotifier(Vertx vertx, DirectConnections connections, BanlistConfig config, MeterRegistry registry) {
        this.vertx = vertx;
        this.connections = connections;
        this.checkInterval = config.distribution().listenerCheckInterval();
        this.reconnects = Counter.builder("banlist.notifications.reconnects")
                .description("Change-notification connections replaced after they closed or stopped answering")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        connect();
        reconnectTimer = vertx.setPeriodic(RECONNECT_MILLIS, id -> {
            if (!connected && subscriber == null) {
                connect();
            }
        });
        checkTimer = vertx.setPeriodic(Math.max(100, checkInterval.toMillis()), id -> check());
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (reconnectTimer >= 0) {
            vertx.cancelTimer(reconnectTimer);
        }
        if (checkTimer >= 0) {
            vertx.cancelTimer(checkTimer);
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
        s.closeHandler(() -> disconnected(s, "lost their connection"));
        s.connect().subscribe().with(ignored -> {
            // Without a handler the connection prints a server-side termination (a restart) to standard error.
            if (s.actualConnection() != null) {
                s.actualConnection().exceptionHandler(failure -> LOG.debugf("Change notification connection: %s", failure));
            }
        }, failure -> disconnected(s, "could not connect"));
    }

    /** A round trip on the listening connection; no answer within the interval means it is dead. */
    private void check() {
        PgSubscriber s = subscriber;
        PgConnection connection = s == null || !connected ? null : s.actualConnection();
        if (connection == null) {
            return;
        }
        connection.query("SELECT 1").execute()
                .ifNoItem().after(checkInterval).fail()
                .subscribe().with(ok -> {
                }, failure -> disconnected(s, "stopped answering (" + failure.getClass().getSimpleName() + ")"));
    }

    private synchronized void disconnected(PgSubscriber s, String why) {
        if (subscriber != s) {
            return;
        }
        if (connected) {
            LOG.warnf("Change notifications %s; reconnecting (the index polls meanwhile)", why);
            reconnects.increment();
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

    /** A change was committed somewhere (or may have been, unseen). */
    void changed() {
        generation.incrementAndGet();
        for (Runnable listener : listeners) {
            listener.run();
        }
    }
}
