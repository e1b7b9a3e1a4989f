package dev.banlist.config;

import java.time.Duration;
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

    Database database();

    Decisions decisions();

    Keys keys();

    interface Database {
        /** {@code SET LOCAL lock_timeout} of every write transaction: the longest wait on a row lock. */
        @WithDefault("1s")
        Duration lockTimeout();

        /** {@code SET LOCAL statement_timeout} of every write transaction, and the session default for reads. */
        @WithDefault("2s")
        Duration statementTimeout();

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

    interface Keys {
        /** How often each replica reloads API keys, which bounds how long a revoked key keeps working elsewhere. */
        @WithDefault("2s")
        Duration refreshInterval();
    }
}
