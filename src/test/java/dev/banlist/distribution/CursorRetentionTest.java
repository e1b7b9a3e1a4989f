package dev.banlist.distribution;

import static dev.banlist.support.TestSupport.admin;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/** With a retention of seconds: a cursor older than the purged changes is refused rather than silently wrong. */
@QuarkusTest
@TestProfile(CursorRetentionTest.ShortRetention.class)
class CursorRetentionTest {

    public static class ShortRetention implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("banlist.distribution.retention", "2s", "banlist.distribution.purge-interval", "1s",
                    "banlist.sources.schedule-tick", "1h");
        }
    }

    @Test
    void aCursorOlderThanPurgedChangesIs410AndASnapshotStartsAgain() throws Exception {
        String old = admin().get("/api/v1/stream").then().statusCode(200).extract().path("cursor");
        admin().get("/api/v1/stream?since=" + old).then().statusCode(200);
        StreamTest.ban("198.51.100.71", ",\"duration\":\"1h\"");

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> admin().get("/api/v1/stream?since=" + old).statusCode() == 410);
        admin().get("/api/v1/stream?since=" + old).then().statusCode(410)
                .body("error_code", equalTo("CURSOR_EXPIRED"));
        assertEquals(0, TestSupport.count("SELECT count(*) FROM decision_changes WHERE changed_at < now() - interval '10 seconds'"));

        String fresh = admin().get("/api/v1/stream").then().statusCode(200).extract().path("cursor");
        admin().get("/api/v1/stream?since=" + fresh).then().statusCode(200).body("new.size()", equalTo(0));
    }
}
