package dev.banlist.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * Runs Debian's real {@code crowdsec-custom-bouncer} (0.0.15, go-cs-bouncer stream mode) against an API URL, with
 * a script that appends each call ({@code add|del <value> <seconds-left> <scenario> <decision-json>}) as one line
 * to a file. Everything lives in a temporary directory that {@link #close()} removes.
 *
 * <p>What this bouncer version does, and what follows for the tests:
 * <ul>
 * <li>If its first request ({@code GET /v1/decisions/stream?startup=true}) fails (connection refused, 403, 500,
 * bad JSON), it logs the error and never asks again, but the process stays alive. So start it only once the
 * service answers; a test then times out in {@link #awaitLine} with that error in the log.</li>
 * <li>It suppresses a repeated add (or del) of the same value and type until its cache is cleared every
 * {@code cache_retention_duration} (10 s by default); the harness sets that to half the update frequency so that
 * ban, unban, ban again all reach the script.</li>
 * <li>A decision without {@code scenario}, {@code value}, {@code type} or {@code duration} crashes it
 * (nil pointer panic, exit status 2); see {@link #log()}.</li>
 * </ul>
 */
public final class CustomBouncer implements AutoCloseable {

    /** Where Debian installs it; the system property {@code custom-bouncer.binary} overrides (e.g. to check the skip). */
    public static final Path BINARY = Path.of(System.getProperty("custom-bouncer.binary",
            "/usr/bin/crowdsec-custom-bouncer"));

    public static final String NOT_INSTALLED = "crowdsec-custom-bouncer is not installed; .ci/run installs it: "
            + "apt-get install crowdsec-custom-bouncer";

    private final Path dir;
    private final Path calls;
    private final Path logFile;
    private final Process process;

    private CustomBouncer(Path dir, Path calls, Path logFile, Process process) {
        this.dir = dir;
        this.calls = calls;
        this.logFile = logFile;
        this.process = process;
    }

    public static boolean installed() {
        return Files.isRegularFile(BINARY) && Files.isExecutable(BINARY);
    }

    private static final AtomicBoolean TOLD = new AtomicBoolean();

    /** Skips the calling test (JUnit assumption) where the package is missing. */
    public static void assumeInstalled() {
        // Surefire's console shows only a count of skipped tests, the reason just in its reports: say it once here.
        if (!installed() && TOLD.compareAndSet(false, true)) {
            System.err.println("SKIPPED: " + NOT_INSTALLED);
        }
        Assumptions.assumeTrue(installed(), NOT_INSTALLED);
    }

    /**
     * Starts the bouncer polling {@code apiUrl} (e.g. {@code http://127.0.0.1:8081/}) with the key. The bouncer
     * accepts any Go duration, sub-second too, so a short {@code updateFrequency} (200 ms to 1 s) keeps tests fast.
     */
    public static CustomBouncer start(String apiUrl, String apiKey, Duration updateFrequency) {
        if (updateFrequency.toMillis() < 1) {
            throw new IllegalArgumentException("update frequency below 1 ms: " + updateFrequency);
        }
        assumeInstalled();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("custom-bouncer-");
            Path calls = dir.resolve("calls.txt");
            Path script = dir.resolve("record.sh");
            Path config = dir.resolve("crowdsec-custom-bouncer.yaml");
            Path logFile = dir.resolve("bouncer.log");
            // "$*" joins the five arguments with single spaces; the JSON holds no newline, so one call is one line.
            Files.writeString(script, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + shellQuote(calls.toString()) + "\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            // Cache cleared twice per poll: otherwise a value banned again within 10 s never reaches the script.
            Duration cache = Duration.ofMillis(Math.max(1, updateFrequency.toMillis() / 2));
            // daemonize false: no systemd notify, and SIGTERM ends it. Prometheus off: its fixed port 60602 would
            // clash between bouncers. Debug logging shows each request and response body in the log.
            Files.writeString(config, String.join("\n",
                    "bin_path: " + yamlQuote(script.toString()),
                    "feed_via_stdin: false",
                    "update_frequency: " + goDuration(updateFrequency),
                    "cache_retention_duration: " + goDuration(cache),
                    "daemonize: false",
                    "log_mode: stdout",
                    "log_level: debug",
                    "api_url: " + yamlQuote(apiUrl),
                    "api_key: " + yamlQuote(apiKey),
                    "prometheus:",
                    "  enabled: false",
                    ""));
            Process process = new ProcessBuilder(BINARY.toString(), "-c", config.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            return new CustomBouncer(dir, calls, logFile, process);
        } catch (IOException e) {
            if (dir != null) {
                deleteTree(dir);
            }
            throw new UncheckedIOException(e);
        }
    }

    /** The script's calls so far, one line each, e.g. {@code add 198.51.100.10 14398 test {"duration":...}}. */
    public List<String> lines() {
        String text;
        try {
            text = Files.readString(calls, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        // Only complete lines: the script may be writing the last one right now.
        for (int end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
            lines.add(text.substring(start, end));
            start = end + 1;
        }
        return lines;
    }

    /** Waits for the first script call that matches; fails with the calls and the bouncer's log on timeout. */
    public String awaitLine(Predicate<String> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : lines()) {
                if (match.test(line)) {
                    return line;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                return fail("no matching script call within " + timeout + "\n" + diagnostics());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail("interrupted while waiting for a script call\n" + diagnostics());
            }
        }
    }

    /** The bouncer's stdout and stderr so far. */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Calls so far, process state and the log, for assertion messages. */
    public String diagnostics() {
        String state = process.isAlive() ? "running" : "exited with status " + process.exitValue();
        return "crowdsec-custom-bouncer " + state + "\n--- script calls:\n" + String.join("\n", lines())
                + "\n--- bouncer log:\n" + log();
    }

    @Override
    public void close() {
        // The script may be running as a child at this moment.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(dir);
    }

    /** Go's time.ParseDuration syntax: whole seconds as "1s", anything finer in milliseconds. */
    static String goDuration(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static String yamlQuote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a leftover temp file must not fail the test
                }
            });
        } catch (IOException e) {
            // best effort, as above
        }
    }
}
