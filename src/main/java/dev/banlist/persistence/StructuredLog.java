package dev.banlist.persistence;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/** One log line per database failure, its fields also in the MDC so that the JSON log carries them as keys. */
public final class StructuredLog {

    private StructuredLog() {
    }

    public static void warn(Logger log, String event, DatabaseException failure) {
        String sqlState = failure.sqlState() == null ? "" : failure.sqlState();
        MDC.put("event", event);
        MDC.put("error_code", failure.code().name());
        MDC.put("sqlstate", sqlState);
        MDC.put("operation", failure.operation());
        try {
            log.warnf("event=%s error_code=%s sqlstate=%s operation=%s", event, failure.code(),
                    sqlState.isEmpty() ? "-" : sqlState, failure.operation());
        } finally {
            MDC.remove("event");
            MDC.remove("error_code");
            MDC.remove("sqlstate");
            MDC.remove("operation");
        }
    }
}
