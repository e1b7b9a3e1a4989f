package dev.banlist.persistence;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import jakarta.inject.Singleton;

import dev.banlist.config.BanlistConfig;

/**
 * Adds what the datasource configuration cannot express: a bounded wait for a pooled connection (past it the
 * request is {@code DATABASE_BUSY}), a short connect timeout, and a session {@code statement_timeout} so that even
 * a read never waits on the server indefinitely. Lock waits are bounded per write transaction
 * ({@code SET LOCAL lock_timeout} in {@link RetryingTransactions}): reads take no row locks.
 */
@Singleton
public class PoolCreator implements PgPoolCreator {

    private final BanlistConfig config;

    PoolCreator(BanlistConfig config) {
        this.config = config;
    }

    @Override
    public Pool create(Input input) {
        BanlistConfig.Database db = config.database();
        PoolOptions poolOptions = input.poolOptions()
                .setConnectionTimeout((int) db.poolWaitTimeout().toMillis())
                .setConnectionTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
                .setMaxWaitQueueSize(db.poolWaitQueueSize());
        for (PgConnectOptions options : input.pgConnectOptionsList()) {
            options.setConnectTimeout((int) db.connectTimeout().toMillis())
                    .addProperty("application_name", "banlist")
                    .addProperty("statement_timeout", Long.toString(db.statementTimeout().toMillis()));
            DirectConnections.keepAlive(options, db);
        }
        return PgBuilder.pool()
                .with(poolOptions)
                .connectingTo(new java.util.ArrayList<io.vertx.sqlclient.SqlConnectOptions>(input.pgConnectOptionsList()))
                .using(input.vertx())
                .build();
    }
}
