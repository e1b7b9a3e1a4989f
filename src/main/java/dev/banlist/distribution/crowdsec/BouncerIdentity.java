package dev.banlist.distribution.crowdsec;

/**
 * Whose cursor a CrowdSec stream poll moves: the key's id (never its name, which a re-created key can take
 * again), the client address and the {@code User-Agent}. Bouncers of different kinds or versions sharing a key
 * and an address (a firewall and an nginx bouncer behind one NAT) send different agents and so never share a
 * cursor; two identical bouncers on one address still would, which is why each should have its own key.
 */
public record BouncerIdentity(long keyId, String client, String userAgent) {

    static final int MAX_USER_AGENT = 256;

    /** The agent as stored: control characters replaced, at most {@value #MAX_USER_AGENT} characters. */
    static BouncerIdentity of(long keyId, String client, String userAgent) {
        String agent = userAgent == null ? "" : userAgent.strip();
        if (agent.length() > MAX_USER_AGENT) {
            agent = agent.substring(0, MAX_USER_AGENT);
        }
        StringBuilder clean = null;
        for (int i = 0; i < agent.length(); i++) {
            char c = agent.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (clean == null) {
                    clean = new StringBuilder(agent);
                }
                clean.setCharAt(i, '?');
            }
        }
        return new BouncerIdentity(keyId, client, clean == null ? agent : clean.toString());
    }
}
