package dev.banlist.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/** Records every log line of the application while open, with the request id from its MDC. */
public final class LogCapture extends Handler implements AutoCloseable {

    /** One captured line: the formatted message, its level, logger, thrown text and request id. */
    public record Line(String level, String logger, String message, String thrown, String requestId) {
        public String all() {
            return level + " " + logger + " " + message + " " + thrown;
        }
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();

    public static LogCapture open() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        String requestId = record instanceof ExtLogRecord ext ? ext.getMdc("request_id") : null;
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        String thrown = record.getThrown() == null ? "" : String.valueOf(record.getThrown());
        lines.add(new Line(record.getLevel().getName(), record.getLoggerName(), message, thrown, requestId));
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
