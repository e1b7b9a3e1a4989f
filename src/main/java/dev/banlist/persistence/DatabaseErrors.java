package dev.banlist.persistence;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;

import dev.banlist.error.ErrorCode;
import dev.banlist.error.ValidationException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.sqlclient.ClosedConnectionException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;

/** Maps what the PostgreSQL server or client reported onto the error codes of the API. */
public final class DatabaseErrors {

    private static final Logger LOG = Logger.getLogger(DatabaseErrors.class);
    private static final String DATA_EXCEPTION = "22";

    private DatabaseErrors() {
    }

    /**
     * Classifies a failure; a data exception becomes a {@link ValidationException}; anything that is not a
     * recognised database condition is returned unchanged.
     */
    public static Throwable classify(String operation, Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof DatabaseException) {
            return t;
        }
        String sqlState = sqlState(t);
        if (sqlState != null && sqlState.startsWith(DATA_EXCEPTION)) {
            return invalidData(operation, sqlState);
        }
        ErrorCode code = sqlState != null ? bySqlState(sqlState) : byClientCondition(t);
        if (code == null) {
            return t;
        }
        return code == ErrorCode.DATABASE_BUSY
                ? new DatabaseBusyException(sqlState, operation, t)
                : new DatabaseException(code, sqlState, operation, t);
    }

    /**
     * A data exception (SQLSTATE class 22: a NUL in text, a number or date out of range, a malformed value) is a
     * value from the request that validation let through: the client's error, answered {@code 400}, never retried.
     * Logged (without the value) so that the gap in validation is seen and closed.
     */
    private static ValidationException invalidData(String operation, String sqlState) {
        LOG.warnf("event=invalid_data error_code=VALIDATION_FAILED sqlstate=%s operation=%s", sqlState, operation);
        return ValidationException.of("request", "holds a value the database cannot store (SQLSTATE " + sqlState + ")");
    }

    static ErrorCode bySqlState(String sqlState) {
        switch (sqlState) {
            case "55P03", "40P01", "40001":
                return ErrorCode.DATABASE_BUSY;
            case "57014":
                return ErrorCode.DATABASE_TIMEOUT;
            case "57P01", "57P02", "57P03":
                return ErrorCode.DATABASE_UNAVAILABLE;
            case "28000", "28P01", "42501":
                return ErrorCode.DATABASE_PERMISSION_DENIED;
            case "3D000", "3F000", "42P01":
                return ErrorCode.DATABASE_MISCONFIGURED;
            case "53100", "53200", "53300":
                return ErrorCode.DATABASE_RESOURCES_EXHAUSTED;
            case "XX001", "XX002":
                return ErrorCode.DATABASE_CORRUPTED;
            default:
                return sqlState.startsWith("08") ? ErrorCode.DATABASE_UNAVAILABLE : null;
        }
    }

    private static ErrorCode byClientCondition(Throwable t) {
        if (t instanceof ConnectionPoolTooBusyException) {
            return ErrorCode.DATABASE_BUSY;
        }
        // The Vert.x pool fails a connection request that waited too long with this bare throwable.
        if (t instanceof NoStackTraceThrowable && "Timeout".equals(t.getMessage())) {
            return ErrorCode.DATABASE_BUSY;
        }
        if (t instanceof TimeoutException) {
            return ErrorCode.DATABASE_TIMEOUT;
        }
        if (t instanceof ClosedConnectionException || t instanceof ConnectException
                || t instanceof UnknownHostException || t instanceof IOException) {
            return ErrorCode.DATABASE_UNAVAILABLE;
        }
        if (t instanceof io.vertx.core.VertxException && t.getMessage() != null
                && t.getMessage().toLowerCase().contains("connection")) {
            return ErrorCode.DATABASE_UNAVAILABLE;
        }
        return null;
    }

    private static String sqlState(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof io.vertx.sqlclient.DatabaseException db && db.getSqlState() != null) {
                return db.getSqlState();
            }
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
