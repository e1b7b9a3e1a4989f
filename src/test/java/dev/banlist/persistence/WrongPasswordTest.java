package dev.banlist.persistence;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(WrongPasswordTest.Profile.class)
class WrongPasswordTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.password", "not-the-password");
        }
    }

    @Test
    void readinessAndRequestsSayPermissionDenied() {
        MisconfiguredDatabase.answersEverywhere("DATABASE_PERMISSION_DENIED");
    }
}
