package dev.banlist.error;

import java.util.List;
import java.util.Map;

/** {@code 400 VALIDATION_FAILED} with {@code details.fields}. */
public final class ValidationException extends ApiException {

    public ValidationException(List<FieldError> fields) {
        super(ErrorCode.VALIDATION_FAILED, summary(fields), Map.of("fields", List.copyOf(fields)));
    }

    public static ValidationException of(String field, String problem) {
        return new ValidationException(List.of(new FieldError(field, problem)));
    }

    private static String summary(List<FieldError> fields) {
        return fields.size() == 1
                ? "Invalid " + fields.get(0).field() + ": " + fields.get(0).problem()
                : fields.size() + " fields are invalid";
    }
}
