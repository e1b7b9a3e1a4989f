package dev.banlist.source;

import java.time.Duration;

/** Why a run failed: its error code for the run log, and what the upstream said when it said anything. */
final class ImportFailure extends RuntimeException {

    /** Run error codes. Upstream ones make a source degraded ({@code UPSTREAM_GONE} twice makes it gone). */
    enum Code {
        UPSTREAM_GONE, UPSTREAM_HTTP_ERROR, UPSTREAM_RATE_LIMITED, UPSTREAM_TIMEOUT, UPSTREAM_UNREACHABLE,
        UPSTREAM_TRUNCATED, DNS_FAILURE, TLS_FAILURE, TOO_MANY_REDIRECTS, FORBIDDEN_ADDRESS, SOURCE_TOO_LARGE,
        PARSE_ERROR_RATE, TOO_MANY_ENTRIES, EMPTY_LIST, SOURCE_DELETING, DATABASE_ERROR, INTERRUPTED, INTERNAL_ERROR,
        /** The whole fetch took longer than {@code fetch-timeout} (an upstream dripping bytes beats the read timeout). */
        FETCH_TIMEOUT,
        /** This replica lost the source's lock while the run was frozen; another replica may have run since. */
        LOCK_LOST
    }

    private final Code code;
    private final Integer httpStatus;
    private final Duration retryAfter;

    ImportFailure(Code code, String message) {
        this(code, message, null, null);
    }

    ImportFailure(Code code, String message, Integer httpStatus, Duration retryAfter) {
        super(message, null, false, false);
        this.code = code;
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
    }

    Code code() {
        return code;
    }

    Integer httpStatus() {
        return httpStatus;
    }

    /** The upstream's {@code Retry-After}, when it sent one with a 429 or 503. */
    Duration retryAfter() {
        return retryAfter;
    }
}
