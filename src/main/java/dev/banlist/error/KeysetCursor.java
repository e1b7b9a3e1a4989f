package dev.banlist.error;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque keyset-pagination cursors: the last id of a page, behind a prefix naming the listing, so that a cursor
 * of one listing is refused by another.
 */
public final class KeysetCursor {

    private KeysetCursor() {
    }

    public static String encode(String listing, long id) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((listing + ":" + id).getBytes(StandardCharsets.US_ASCII));
    }

    /** The id in the cursor; a 400 naming the {@code cursor} parameter when it is not one of this listing. */
    public static long decode(String listing, String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            if (text.startsWith(listing + ":")) {
                return Long.parseLong(text.substring(listing.length() + 1));
            }
        } catch (IllegalArgumentException e) {
            // falls through to the validation error
        }
        throw ValidationException.of("cursor", "is not a cursor returned by this listing");
    }
}
