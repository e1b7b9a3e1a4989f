package dev.banlist.persistence;

import dev.banlist.error.ErrorCode;

/** A classified database failure. Only its subclass {@link DatabaseBusyException} is ever retried. */
public class DatabaseException extends RuntimeException {

    private final ErrorCode code;
    private final String sqlState;
    private final String operation;

    public DatabaseException(ErrorCode code, String sqlState, String operation, Throwable cause) {
        super(code + " in " + operation + (sqlState == null ? "" : " (SQLSTATE " + sqlState + ")"), cause, false, false);
        this.code = code;
        this.sqlState = sqlState;
        this.operation = operation;
    }

    public ErrorCode code() {
        return code;
    }

    /** SQLSTATE when the server answered with one; null for client-side conditions (refused, pool wait, timeout). */
    public String sqlState() {
        return sqlState;
    }

    public String operation() {
        return operation;
    }
}
