package dev.banlist.distribution.crowdsec;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/** Behind a trusted proxy (here: loopback), the bouncer's address comes from {@code X-Forwarded-For}. */
@QuarkusTest
@TestProfile(CrowdSecBehindProxyTest.LoopbackProxy.class)
class CrowdSecBehindProxyTest {

    public static class LoopbackProxy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("banlist.http.trusted-proxies", "127.0.0.0/8,::1/128", "banlist.sources.schedule-tick", "1h");
        }
    }

    @Test
    void aForwardedForFromATrustedProxyNamesTheBouncer() {
        String name = "crowdsec-proxied-" + System.nanoTime();
        String key = TestSupport.newKey(name, "enforcer");
        String only = "?scenarios_containing=crowdsec-proxied-test";
        admin().contentType("application/json")
                .body("{\"value\":\"198.51.100.171\",\"duration\":\"4h\",\"reason\":\"crowdsec-proxied-test\"}")
                .post("/api/v1/decisions").then().statusCode(201);
        as(key).header("X-Forwarded-For", "192.0.2.77").get("/v1/decisions/stream?startup=true" + "&scenarios_containing=crowdsec-proxied-test")
                .then().statusCode(200);
        // What the client wrote left of the address the proxy appended is not believed: this is 192.0.2.77 again.
        assertEquals("{\"deleted\":null,\"new\":null}", as(key).header("X-Forwarded-For", "198.51.100.1, 192.0.2.77")
                .get("/v1/decisions/stream" + only).then().statusCode(200).extract().asString());
        // Another address behind the proxy is another bouncer: its first poll is the whole set.
        JsonPath other = as(key).header("X-Forwarded-For", "192.0.2.78").get("/v1/decisions/stream" + only)
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("198.51.100.171"), other.getList("new.value"));
        assertNull(other.get("deleted"));

        List<String> addresses = admin().get("/api/v1/keys").then().statusCode(200).extract().jsonPath()
                .getList("find { it.name == '" + name + "' }.clients.address");
        assertEquals(List.of("192.0.2.78", "192.0.2.77"), addresses);
    }
}
