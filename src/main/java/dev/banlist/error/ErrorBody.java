package dev.banlist.error;

import java.util.Map;

/** The one error body every endpoint answers with. */
public record ErrorBody(String errorCode, String message, Map<String, Object> details, String requestId) {
}
