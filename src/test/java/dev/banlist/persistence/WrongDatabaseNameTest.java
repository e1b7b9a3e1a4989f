package dev.banlist.persistence;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(WrongDatabaseNameTest.Profile.class)
class WrongDatabaseNameTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.reactive.url", "${DB_URL}_does_not_exist");
        }
    }

    @Test
    void readinessAndRequestsSayMisconfigured() {
        MisconfiguredDatabase.answersEverywhere("DATABASE_MISCONFIGURED");
    }
}
