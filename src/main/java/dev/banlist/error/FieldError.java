package dev.banlist.error;

/** One rejected input field: its JSON path (or query parameter name) and what is wrong with it. */
public record FieldError(String field, String problem) {
}
