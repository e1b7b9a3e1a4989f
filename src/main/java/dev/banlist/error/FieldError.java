package dev.banlist.error;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One rejected input field: its JSON path (or query parameter name) and what is wrong with it. */
@RegisterForReflection
public record FieldError(String field, String problem) {
}
