package dev.banlist.security;

import io.vertx.ext.web.RoutingContext;

/** Where a request carries its API key. */
public final class ApiKeys {

    static final String HEADER = "X-Api-Key";
    /** The identity attribute holding the key's id ({@link ApiKeyRepository.Credential#id()}), a {@code Long}. */
    public static final String KEY_ID = "banlist.key-id";
    private static final String BEARER = "bearer ";

    private ApiKeys() {
    }

    /** The key from {@code X-Api-Key} or {@code Authorization: Bearer}; null when there is none. */
    public static String fromRequest(RoutingContext context) {
        String key = context.request().getHeader(HEADER);
        if (key == null) {
            String authorization = context.request().getHeader("Authorization");
            if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                key = authorization.substring(BEARER.length());
            }
        }
        return key == null || key.isBlank() ? null : key.strip();
    }
}
