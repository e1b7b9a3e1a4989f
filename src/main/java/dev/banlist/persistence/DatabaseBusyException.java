package dev.banlist.persistence;

import dev.banlist.error.ErrorCode;

/** Lock contention, deadlock, serialization failure or pool wait: transient, so the whole transaction is retried. */
public final class DatabaseBusyException extends DatabaseException {

    public DatabaseBusyException(String sqlState, String operation, Throwable cause) {
        super(ErrorCode.DATABASE_BUSY, sqlState, operation, cause);
    }
}
