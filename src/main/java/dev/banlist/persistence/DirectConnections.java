package dev.banlist.persistence;

import java.util.Optional;

import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.banlist.config.BanlistConfig;

/**
 * Options of connections opened outside the pool: those that hold session state (an advisory lock, a LISTEN) and
 * must be closed rather than handed to the next borrower.
 */
@ApplicationScoped
public class DirectConnections {

    private final BanlistConfig config;
    private final String url;
    private final String user;
    private final Optional<String> password;

    DirectConnections(BanlistConfig config,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") Optional<String> url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.config = config;
        this.url = url.orElse("");
        this.user = user.orElse("");
        this.password = password;
    }

    public PgConnectOptions options(String applicationName) {
        PgConnectOptions options = PgConnectOptions.fromUri(url)
                .setUser(user)
                .setConnectTimeout((int) config.database().connectTimeout().toMillis())
                .addProperty("application_name", applicationName);
        password.ifPresent(options::setPassword);
        return keepAlive(options, config.database());
    }

    /**
     * TCP keepalive on both ends of a connection. The server's side ({@code tcp_keepalives_*}) is what makes a
     * host that vanished (partitioned, powered off) lose its sessions and their locks; the client's side needs the
     * native transport for the idle time, else it falls back to the kernel's.
     */
    static PgConnectOptions keepAlive(PgConnectOptions options, BanlistConfig.Database db) {
        int idle = (int) Math.max(1, db.tcpKeepaliveIdle().toSeconds());
        int interval = Math.max(1, idle / 3);
        options.setTcpKeepAlive(true)
                .setTcpKeepAliveIdleSeconds(idle)
                .setTcpKeepAliveIntervalSeconds(interval)
                .setTcpKeepAliveCount(3);
        return options.addProperty("tcp_keepalives_idle", Integer.toString(idle))
                .addProperty("tcp_keepalives_interval", Integer.toString(interval))
                .addProperty("tcp_keepalives_count", "3");
    }
}
