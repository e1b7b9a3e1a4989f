package dev.banlist.error;

/** An {@link ApiException} (a 503) the client should retry after {@code retryAfterSeconds}: it gets a Retry-After. */
public class RetryLaterException extends ApiException {

    private final long retryAfterSeconds;

    public RetryLaterException(ErrorCode code, String message, long retryAfterSeconds) {
        super(code, message, java.util.Map.of("retryable", true));
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
