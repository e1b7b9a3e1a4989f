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
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ValidationException.of("limit", "must be a whole number from 1 to " + max);
    }

    public static long id(String value) {
        try {
            long id = Long.parseLong(value);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ValidationException.of("id", "must be a positive whole number");
    }
}
