package dev.banlist.source;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides what a source URL may carry as a credential (its user info and query string, e.g. {@code ?key=...})
 * from readers that are not admins: in the URL itself and in any URL a run message quotes.
 */
final class UrlRedaction {

    static final String REDACTED = "redacted";

    /** scheme://[userinfo@]rest[?query][#fragment], as far as it runs without whitespace. */
    private static final Pattern URL = Pattern.compile(
            "([a-zA-Z][a-zA-Z0-9+.-]*://)([^/?#\\s@]*@)?([^?#\\s]*)(\\?[^#\\s]*)?(#\\S*)?");

    private UrlRedaction() {
    }

    /** The text with every URL's user info, query and fragment replaced; null stays null. */
    static String redact(String text) {
        if (text == null || text.indexOf("://") < 0) {
            return text;
        }
        Matcher m = URL.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String replacement = m.group(1) + (m.group(2) == null ? "" : REDACTED + "@") + m.group(3)
                    + (m.group(4) == null ? "" : "?" + REDACTED) + (m.group(5) == null ? "" : "#" + REDACTED);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    static Source redact(Source s) {
        Source.RunSummary run = s.lastRun() == null ? null : new Source.RunSummary(s.lastRun().id(),
                s.lastRun().status(), s.lastRun().startedAt(), s.lastRun().finishedAt(), s.lastRun().errorCode(),
                redact(s.lastRun().message()));
        return new Source(s.id(), s.name(), redact(s.url()), s.format(), s.interval(), s.enabled(), s.banDuration(),
                s.jail(), s.maxEntries(), s.labels(), s.status(), s.entries(), s.etag(), s.lastSuccessAt(),
                s.nextRunAt(), run, s.createdAt(), s.updatedAt());
    }

    static SourceRun redact(SourceRun r) {
        return new SourceRun(r.id(), r.sourceId(), r.trigger(), r.instance(), r.startedAt(), r.finishedAt(),
                r.status(), r.httpStatus(), r.bytes(), r.entries(), r.added(), r.removed(), r.protectedEntries(),
                r.invalidLines(), r.invalidSamples(), r.errorCode(), redact(r.message()));
    }
}
