package dev.banlist.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Banlist's own settings ({@code banlist.*}, or {@code BANLIST_*} in the environment). The database connection
 * itself is configured with {@code DB_URL}, {@code DB_USER} and {@code DB_PASSWORD}; the retry and timeout of the
 * persistence boundary with {@code quarkus.fault-tolerance."<class>/<method>".*} (see the README).
 */
@ConfigMapping(prefix = "banlist")
public interface BanlistConfig {

    /** Bootstrap admin API key ({@code BANLIST_ADMIN_KEY}); at least 16 characters. Absent: no bootstrap key. */
    Optional<String> adminKey();

    /**
     * Name of this replica in the import run log ({@code BANLIST_INSTANCE}). Absent: the {@code HOSTNAME}
     * environment variable (the pod name on Kubernetes), else the host name.
     */
    Optional<String> instance();

    /**
     * Networks that are never banned: list entries overlapping them are skipped (counted as {@code protected}),
     * and the decisions API refuses them with {@code 409 PROTECTED_RANGE} unless an admin passes {@code force=true}.
     * Defaults: this network, loopback, RFC 1918, CGNAT, link-local, multicast, reserved, and the IPv6
     * unspecified, loopback, unique-local, link-local and multicast ranges.
     */
    @WithDefault("0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,172.16.0.0/12,192.168.0.0/16,"
            + "224.0.0.0/4,240.0.0.0/4,::/128,::1/128,fc00::/7,fe80::/10,ff00::/8")
    List<String> protectedRanges();

    Database database();

    Decisions decisions();

    Distribution distribution();

    Http http();

    Keys keys();

    Sources sources();

    interface Database {
        /** {@code SET LOCAL lock_timeout} of every write transaction: the longest wait on a row lock. */
        @WithDefault("1s")
        Duration lockTimeout();

        /** {@code SET LOCAL statement_timeout} of every write transaction, and the session default for reads. */
        @WithDefault("2s")
        Duration statementTimeout();

        /**
         * The whole budget of a write with its retries. When it passes, the running statement is cancelled and
         * the transaction rolled back before the request answers {@code DATABASE_TIMEOUT}; each attempt's
         * {@code statement_timeout} is capped by what is left of it.
         */
        @WithDefault("3s")
        Duration writeTimeout();

        /**
         * {@code idle_in_transaction_session_timeout} of write transactions: a replica frozen or cut off in the
         * middle of one loses its transaction, and with it its locks, after this long.
         */
        @WithDefault("30s")
        Duration idleInTransactionTimeout();

        /**
         * {@code idle_session_timeout} of the connections that hold session advisory locks (an import's): their
         * holder pings them at a third of this, so a frozen holder loses its lock after this long.
         */
        @WithDefault("30s")
        Duration lockSessionTimeout();

        /**
         * TCP keepalive idle time on every database connection, on both ends: the server drops the sessions (and
         * locks) of a host that went away, and the client notices a server that did, within about twice this.
         */
        @WithDefault("15s")
        Duration tcpKeepaliveIdle();

        /** Longest a read (one connection, not retried) may take before it answers {@code DATABASE_TIMEOUT}. */
        @WithDefault("3s")
        Duration readTimeout();

        /** Longest wait for a free pooled connection before the request counts as busy. */
        @WithDefault("1s")
        Duration poolWaitTimeout();

        /** Requests that may queue for a pooled connection before further ones count as busy at once. */
        @WithDefault("1000")
        int poolWaitQueueSize();

        /** TCP connect timeout to the database. */
        @WithDefault("2s")
        Duration connectTimeout();

        /** How often a failed schema migration is tried again. */
        @WithDefault("5s")
        Duration migrationRetryInterval();

        /** Longest a readiness probe waits for the database. */
        @WithDefault("2s")
        Duration healthTimeout();
    }

    interface Decisions {
        /** Duration of a ban posted without one. */
        @WithDefault("4h")
        Duration defaultDuration();

        /** Longest accepted ban duration (other than {@code permanent}). */
        @WithDefault("3650d")
        Duration maxDuration();

        /** Most decisions accepted in one POST; more is 413. */
        @WithDefault("10000")
        int maxBatch();

        /** Page size of listings when {@code limit} is absent. */
        @WithDefault("100")
        int defaultPageSize();

        /** Largest {@code limit} of listings. */
        @WithDefault("1000")
        int maxPageSize();

        /**
         * How often the {@code banlist_decisions_active} gauge is recounted from the database: a count over the
         * active set, on every replica, so not more often than a dashboard needs.
         */
        @WithDefault("60s")
        Duration activeGaugeRefresh();
    }

    interface Http {
        /**
         * Networks of the reverse proxies in front of the service (comma-separated CIDRs), whose
         * {@code X-Forwarded-For} is believed: the client is the last address in it that is not such a proxy.
         * Empty (the default): the header is ignored and the peer address is the client.
         */
        Optional<List<String>> trustedProxies();
    }

    interface Keys {
        /** How often each replica reloads API keys, which bounds how long a revoked key keeps working elsewhere. */
        @WithDefault("2s")
        Duration refreshInterval();
    }

    interface Sources {
        /**
         * Allow source URLs whose host is in a loopback, private, link-local or cloud-metadata range
         * ({@code BANLIST_SOURCES_ALLOW_PRIVATE_ADDRESSES}). Checked when a source is saved and again at every fetch.
         */
        @WithDefault("false")
        boolean allowPrivateAddresses();

        /** How often each replica looks for due sources. */
        @WithDefault("10s")
        Duration scheduleTick();

        /** Shortest accepted source interval. */
        @WithDefault("1m")
        Duration minInterval();

        /** {@code max_entries} of a source created without one. */
        @WithDefault("1000000")
        int defaultMaxEntries();

        /** Largest accepted (decompressed) list body; a larger one fails the run with {@code SOURCE_TOO_LARGE}. */
        @WithDefault("64M")
        io.quarkus.runtime.configuration.MemorySize maxBodySize();

        /** TCP connect timeout of a fetch. */
        @WithDefault("10s")
        Duration connectTimeout();

        /** Longest silence while reading a list body (idle timeout) before the fetch fails. */
        @WithDefault("30s")
        Duration readTimeout();

        /**
         * Longest a whole fetch may take, redirects included; a longer one fails the run with {@code FETCH_TIMEOUT}
         * and frees the source's lock (an upstream sending a byte now and then never trips the read timeout).
         */
        @WithDefault("10m")
        Duration fetchTimeout();

        /** Redirects followed per fetch; each target is checked like the source URL. */
        @WithDefault("5")
        int maxRedirects();

        /** Share of invalid lines above which a run fails with {@code PARSE_ERROR_RATE} and applies nothing. */
        @WithDefault("0.10")
        double maxInvalidRatio();

        /** First retry delay of a degraded source; it doubles per failure, capped at the source's interval. */
        @WithDefault("30s")
        Duration retryBackoff();

        /** Rows per statement when staging a parsed list. */
        @WithDefault("10000")
        int applyChunkSize();

        /** How long import runs are kept in the run log. */
        @WithDefault("90d")
        Duration runRetention();

        /** Longest accepted labels map, serialised as JSON; larger is {@code 413 LABELS_TOO_LARGE}. */
        @WithDefault("64K")
        io.quarkus.runtime.configuration.MemorySize maxLabelsSize();

        /**
         * Statement timeout of an import's apply transaction (it stages and diffs whole lists) and of a source
         * deletion. Generous: the first import of a million entries takes about half a minute on an idle 2-core
         * machine and several times that under load, and only imports of the same source wait for it.
         */
        @WithDefault("10m")
        Duration applyTimeout();
    }

    /** The change stream, the in-memory index and what enforcers pull. */
    interface Distribution {
        /** How long change-log entries are kept; an older cursor is answered {@code 410 CURSOR_EXPIRED}. */
        @WithDefault("7d")
        Duration retention();

        /** How often one replica purges change-log entries older than the retention. */
        @WithDefault("1h")
        Duration purgeInterval();

        /** How often one replica ends decisions whose expiry has passed, so that they reach {@code deleted}. */
        @WithDefault("1s")
        Duration expiryInterval();

        /** Most decisions ended by one expiry pass; more are left for the next pass. */
        @WithDefault("10000")
        int expiryBatch();

        /**
         * How often the in-memory index polls the change log when no notification arrived. Notifications
         * (LISTEN/NOTIFY) normally wake it within milliseconds of a commit; this bounds staleness when they are lost.
         */
        @WithDefault("500ms")
        Duration indexPollInterval();

        /** Change-log rows the index reads per query while catching up; a large import is applied in such pages. */
        @WithDefault("20000")
        int indexPageSize();

        /**
         * Readiness stays UP while the index was synchronised within this bound, also with the database
         * unreachable: reads keep answering from the index (enforcers fail static) while writes answer 503.
         */
        @WithDefault("5m")
        Duration maxStaleness();

        /** Default and largest {@code limit} of one {@code /api/v1/stream} page (change-log rows). */
        @WithDefault("10000")
        int streamPageSize();

        /** Longest accepted {@code wait} of a long poll. */
        @WithDefault("60s")
        Duration maxWait();

        /**
         * Most long polls waiting at once on one replica; more are answered {@code 503 TOO_MANY_WAITERS} with a
         * jittered {@code Retry-After}.
         */
        @WithDefault("10000")
        int maxWaiters();

        /**
         * Change-log rows the index keeps after applying them, so that long polls are answered from memory (one
         * database read per change, however many clients wait); an older cursor is answered from the database.
         */
        @WithDefault("10000")
        int recentChanges();

        /** How often the change-notification connection is checked with a query; a dead one is replaced. */
        @WithDefault("10s")
        Duration listenerCheckInterval();

        /**
         * Duration reported to CrowdSec bouncers for a permanent decision, which their protocol cannot express.
         */
        @WithDefault("87600h")
        Duration permanentDuration();

        /** Most enforcer key names tracked by the last-pull-age gauge. */
        @WithDefault("1000")
        int maxTrackedKeys();

        /**
         * Unfiltered CrowdSec lookups ({@code GET /v1/decisions} without {@code ip}, {@code range} or
         * {@code value}: the whole active set) rendered at once on one replica; more are answered {@code 503} with
         * {@code Retry-After}. Each holds a copy of the index's entry references while it streams.
         */
        @WithDefault("4")
        int maxBulkLookups();

        /**
         * CrowdSec bouncer cursors kept per API key (one per client address and {@code User-Agent}); a new one
         * beyond this replaces the key's least recently used, whose bouncer then starts again from the full set.
         */
        @WithDefault("100")
        int maxBouncersPerKey();

        /**
         * Bulk renderings (exports not in the cache, and other whole-set readers) running at once on this replica,
         * each on a worker thread of their own, never on an event loop.
         */
        @WithDefault("2")
        int bulkReaders();

        /** Bulk renderings that may wait for a worker; more are answered {@code 503 BULK_READERS_BUSY}. */
        @WithDefault("8")
        int bulkQueue();

        /** {@code Retry-After} of a {@code 503 BULK_READERS_BUSY}. */
        @WithDefault("5s")
        Duration bulkRetryAfter();

        /**
         * Rendered exports kept per replica, in bytes; an export is answered from here (and a matching
         * {@code If-None-Match} with 304) while the index has not changed. A rendering larger than this is not kept.
         */
        @WithDefault("48M")
        io.quarkus.runtime.configuration.MemorySize exportCacheSize();
    }
}
