package dev.banlist.error;

import dev.banlist.net.IpNetwork;

/** Query and path parameter parsing with the API's validation errors. */
public final class RequestParams {

    private RequestParams() {
    }

    public static IpNetwork network(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return IpNetwork.parse(value);
        } catch (IpNetwork.InvalidNetworkException e) {
            throw ValidationException.of(name, e.getMessage());
        }
    }

    /**
     * A free-text query parameter: null when absent or blank, a 400 naming it when it is no text that can be
     * stored (see {@link #textProblem}).
     */
    public static String text(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String problem = textProblem(value);
        if (problem != null) {
            throw ValidationException.of(name, problem);
        }
        return value;
    }

    /**
     * Why a client's text cannot be stored as sent, or null when it can: PostgreSQL text holds no NUL character
     * (a statement with one fails), and half of a UTF-16 surrogate pair has no UTF-8 form (it would be stored as
     * {@code ?}).
     */
    public static String textProblem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return "must not contain NUL characters";
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "must be valid Unicode text (it holds an unpaired surrogate)";
            }
        }
        return null;
    }

    public static boolean bool(String name, String value, boolean absent) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ValidationException.of(name, "must be true or false");
        };
    }

    public static int limit(String value, int absent, int max) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        if (digits(value, 9)) {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= max) {
                return n;
            }
        }
        throw ValidationException.of("limit", "must be a whole number from 1 to " + max);
    }

    public static long id(String value) {
        try {
            long id = digits(value, 19) ? Long.parseLong(value) : 0;
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // past Long.MAX_VALUE: reported below
        }
        throw ValidationException.of("id", "must be a positive whole number");
    }

    /**
     * 1 to {@code max} ASCII digits: what {@code parseInt} would also read as a sign, other scripts' digits or an
     * overflow is no number here.
     */
    private static boolean digits(String value, int max) {
        if (value == null || value.isEmpty() || value.length() > max) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
