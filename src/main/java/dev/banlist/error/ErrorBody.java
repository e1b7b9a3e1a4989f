package dev.banlist.error;

import java.util.Map;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The one error body every endpoint answers with (built into responses, so registered for native reflection). */
@RegisterForReflection
public record ErrorBody(String errorCode, String message, Map<String, Object> details, String requestId) {
}
