package dev.banlist.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.banlist.error.ErrorCode;
import dev.banlist.error.ValidationException;

/** The classification table. The integration tests produce the real conditions (locks, outage, bad credentials). */
class DatabaseErrorsTest {

    @ParameterizedTest
    @CsvSource({
            "55P03, DATABASE_BUSY", "40P01, DATABASE_BUSY", "40001, DATABASE_BUSY",
            "57014, DATABASE_TIMEOUT",
            "08000, DATABASE_UNAVAILABLE", "08006, DATABASE_UNAVAILABLE", "57P01, DATABASE_UNAVAILABLE",
            "57P02, DATABASE_UNAVAILABLE", "57P03, DATABASE_UNAVAILABLE",
            "28000, DATABASE_PERMISSION_DENIED", "28P01, DATABASE_PERMISSION_DENIED", "42501, DATABASE_PERMISSION_DENIED",
            "3D000, DATABASE_MISCONFIGURED", "3F000, DATABASE_MISCONFIGURED", "42P01, DATABASE_MISCONFIGURED",
            "53100, DATABASE_RESOURCES_EXHAUSTED", "53200, DATABASE_RESOURCES_EXHAUSTED", "53300, DATABASE_RESOURCES_EXHAUSTED",
            "XX001, DATABASE_CORRUPTED", "XX002, DATABASE_CORRUPTED" })
    void serverConditions(String sqlState, ErrorCode expected) {
        Throwable reactive = DatabaseErrors.classify("op", new PgException("m", "ERROR", sqlState, "d"));
        assertEquals(expected, ((DatabaseException) reactive).code());
        assertEquals(sqlState, ((DatabaseException) reactive).sqlState());
        Throwable jdbc = DatabaseErrors.classify("op", new RuntimeException(new SQLException("m", sqlState)));
        assertEquals(expected, ((DatabaseException) jdbc).code());
    }

    @Test
    void onlyBusyIsRetryable() {
        assertInstanceOf(DatabaseBusyException.class,
                DatabaseErrors.classify("op", new PgException("m", "ERROR", "55P03", "d")));
        assertEquals(DatabaseException.class,
                DatabaseErrors.classify("op", new PgException("m", "ERROR", "57014", "d")).getClass());
    }

    @Test
    void clientConditions() {
        assertEquals(ErrorCode.DATABASE_BUSY, code(new NoStackTraceThrowable("Timeout")));
        assertEquals(ErrorCode.DATABASE_BUSY, code(new ConnectionPoolTooBusyException("full")));
        assertEquals(ErrorCode.DATABASE_UNAVAILABLE, code(new ConnectException("Connection refused")));
        assertEquals(ErrorCode.DATABASE_TIMEOUT, code(new TimeoutException()));
    }

    @ParameterizedTest
    @CsvSource({ "22021", "22P05", "22P02", "22003", "22008", "22001", "22023" })
    void dataExceptionsAreTheClientsError(String sqlState) {
        Throwable reactive = DatabaseErrors.classify("op", new PgException("m", "ERROR", sqlState, "d"));
        ValidationException e = assertInstanceOf(ValidationException.class, reactive);
        assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
        assertTrue(e.getMessage().contains(sqlState), e.getMessage());
        assertInstanceOf(ValidationException.class,
                DatabaseErrors.classify("op", new CompletionException(new SQLException("m", sqlState))));
        // classified again further up (the retry, then the write), it stays what it is
        assertSame(reactive, DatabaseErrors.classify("op", reactive));
    }

    @Test
    void otherFailuresAreNotDatabaseConditions() {
        IllegalStateException bug = new IllegalStateException("bug");
        assertSame(bug, DatabaseErrors.classify("op", bug));
        PgException unique = new PgException("m", "ERROR", "23505", "d");
        assertSame(unique, DatabaseErrors.classify("op", unique));
    }

    private static ErrorCode code(Throwable t) {
        return ((DatabaseException) DatabaseErrors.classify("op", t)).code();
    }
}
