package dev.banlist.source;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import dev.banlist.config.BanlistConfig;
import dev.banlist.net.IpNetwork;

/**
 * Keeps imports from reaching into the service's own network (server-side request forgery): a source URL may
 * not point at loopback, private, link-local, CGNAT or cloud-metadata addresses unless
 * {@code banlist.sources.allow-private-addresses} is set. Checked when a source is saved and again on every
 * fetch and redirect, on the address actually connected to, so a DNS answer that changes later cannot slip past.
 */
@ApplicationScoped
public class UpstreamAddresses {

    static final List<IpNetwork> INTERNAL = Stream.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4",
            "240.0.0.0/4", "::/128", "::1/128", "64:ff9b::/96", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8")
            .map(IpNetwork::parse).toList();

    /** The URL cannot be used; the message says why, for the client. */
    static final class RefusedUrlException extends RuntimeException {
        RefusedUrlException(String message) {
            super(message, null, false, false);
        }
    }

    private final boolean allowPrivate;

    UpstreamAddresses(BanlistConfig config) {
        this.allowPrivate = config.sources().allowPrivateAddresses();
    }

    /** Checks the URL's form: http or https, a host, no credentials. */
    static URI parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new RefusedUrlException("is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new RefusedUrlException("must be an http or https URL");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new RefusedUrlException("must name a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new RefusedUrlException("must not carry credentials");
        }
        return uri;
    }

    /**
     * Resolves the URL's host and returns the address to connect to. Throws {@link RefusedUrlException} when an
     * address is internal and those are not allowed, {@link UnknownHostException} when the name does not resolve.
     */
    InetAddress resolve(URI uri) throws UnknownHostException {
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress[] addresses = InetAddress.getAllByName(host);
        for (InetAddress address : addresses) {
            checkAllowed(uri.getHost(), address);
        }
        return addresses[0];
    }

    /** The save-time check: refuses internal addresses; a name that does not resolve now is accepted. */
    void checkUrl(URI uri) {
        try {
            resolve(uri);
        } catch (UnknownHostException e) {
            // may resolve later; each fetch checks again and reports DNS_FAILURE
        }
    }

    private void checkAllowed(String host, InetAddress address) {
        if (allowPrivate) {
            return;
        }
        IpNetwork ip = IpNetwork.parse(address.getHostAddress().replaceFirst("%.*$", ""));
        for (IpNetwork range : INTERNAL) {
            if (range.contains(ip)) {
                throw new RefusedUrlException("host " + host + " resolves to " + ip + " in the internal range "
                        + range + "; set banlist.sources.allow-private-addresses=true to allow it");
            }
        }
    }
}
