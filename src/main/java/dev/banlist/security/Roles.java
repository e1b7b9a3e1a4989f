package dev.banlist.security;

import java.util.Set;

/** The roles an API key can have. */
public final class Roles {

    /** Everything, including keys and (later) sources and settings. */
    public static final String ADMIN = "admin";
    /** Reads and writes decisions: fail2ban actions, scripts, applications. */
    public static final String AGENT = "agent";
    /** Reads only: firewalls, proxies, bouncers. */
    public static final String ENFORCER = "enforcer";

    public static final Set<String> ALL = Set.of(ADMIN, AGENT, ENFORCER);

    private Roles() {
    }
}
