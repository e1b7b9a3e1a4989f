package dev.banlist.error;

/** Every error the API can answer with, and its HTTP status. The code is the contract; messages may change. */
public enum ErrorCode {
    VALIDATION_FAILED(400),
    MALFORMED_JSON(400),
    UNAUTHENTICATED(401),
    FORBIDDEN(403),
    NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    NOT_ACCEPTABLE(406),
    CONFLICT(409),
    PROTECTED_RANGE(409),
    IMPORT_RUNNING(409),
    SOURCE_DELETING(409),
    CURSOR_EXPIRED(410),
    PAYLOAD_TOO_LARGE(413),
    LABELS_TOO_LARGE(413),
    UNSUPPORTED_MEDIA_TYPE(415),
    INTERNAL_ERROR(500),
    DATABASE_BUSY(503),
    DATABASE_TIMEOUT(503),
    DATABASE_UNAVAILABLE(503),
    DATABASE_PERMISSION_DENIED(503),
    DATABASE_MISCONFIGURED(503),
    DATABASE_RESOURCES_EXHAUSTED(503),
    DATABASE_CORRUPTED(503),
    INDEX_LOADING(503),
    BULK_READERS_BUSY(503);

    private final int status;

    ErrorCode(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }
}
