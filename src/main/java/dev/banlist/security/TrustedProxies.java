package dev.banlist.security;

import java.util.ArrayList;
import java.util.List;

import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.banlist.config.BanlistConfig;
import dev.banlist.net.IpNetwork;

/**
 * Who a request comes from. {@code X-Forwarded-For} is anyone's to write, so it is believed only from the proxies
 * configured in {@code banlist.http.trusted-proxies}: walking it from the right (each proxy appends the address it
 * got the request from), the client is the first address that is not such a proxy. From any other peer the peer
 * address is the client, whatever the header says.
 */
@ApplicationScoped
public class TrustedProxies {

    static final String UNKNOWN = "unknown";

    private final List<IpNetwork> proxies;

    @Inject
    TrustedProxies(BanlistConfig config) {
        this(config.http().trustedProxies().orElse(List.of()));
    }

    TrustedProxies(List<String> networks) {
        List<IpNetwork> parsed = new ArrayList<>();
        for (String network : networks) {
            if (network.isBlank()) {
                continue;
            }
            try {
                parsed.add(IpNetwork.parse(network.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("banlist.http.trusted-proxies: " + e.getMessage(), e);
            }
        }
        this.proxies = List.copyOf(parsed);
    }

    /** The client's address in canonical form, or {@code unknown} (a request over a Unix socket). */
    public String client(HttpServerRequest request) {
        String peer = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        return client(peer, proxies.isEmpty() ? List.of() : request.headers().getAll("X-Forwarded-For"));
    }

    String client(String peerAddress, List<String> forwardedFor) {
        IpNetwork candidate = address(peerAddress);
        if (candidate == null) {
            return UNKNOWN;
        }
        List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String hop : header.split(",")) {
                hops.add(hop.strip());
            }
        }
        for (int i = hops.size() - 1; i >= 0 && trusted(candidate); i--) {
            IpNetwork hop = address(hops.get(i));
            if (hop == null) {
                break; // not an address: nothing left of it can be believed
            }
            candidate = hop;
        }
        return candidate.toString();
    }

    private boolean trusted(IpNetwork address) {
        for (IpNetwork proxy : proxies) {
            if (proxy.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** An address as proxies write it ({@code 192.0.2.1}, {@code 192.0.2.1:4711}, {@code [2001:db8::1]:443}); else null. */
    private static IpNetwork address(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) {
            return null;
        }
        String s = text;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) {
                return null;
            }
            s = s.substring(1, end);
        } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            s = s.substring(0, s.indexOf(':')); // IPv4 with a port
        }
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        if (s.indexOf('/') >= 0) {
            return null;
        }
        try {
            return IpNetwork.parse(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
