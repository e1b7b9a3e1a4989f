package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static dev.banlist.support.TestSupport.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

/** The decisions API refuses protected networks too, unless an admin forces it. */
@QuarkusTest
class ProtectedDecisionsTest {

    @Test
    void protectedNetworksAreRefusedAndNothingIsStored() throws Exception {
        String agent = TestSupport.newKey("protected-agent", "agent");
        for (String value : new String[] { "10.1.2.3", "192.168.0.0/16", "127.0.0.1", "0.0.0.0/0", "fe80::1",
                "::1", "100.64.1.1", "224.0.0.1", "::ffff:172.16.0.1" }) {
            as(agent).contentType("application/json").body("{\"value\":\"" + value + "\",\"origin\":\"prot\"}")
                    .post("/api/v1/decisions").then().statusCode(409).body("error_code", equalTo("PROTECTED_RANGE"));
        }
        // one protected value in a batch refuses the whole batch
        as(agent).contentType("application/json")
                .body("[{\"value\":\"198.51.100.1\",\"origin\":\"prot\"},{\"value\":\"10.0.0.0/8\",\"origin\":\"prot\"}]")
                .post("/api/v1/decisions").then().statusCode(409).body("details.values", hasItem("10.0.0.0/8"));
        assertEquals(0, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'prot'"));
        // forcing needs the admin role
        as(agent).contentType("application/json").body("{\"value\":\"10.1.2.3\",\"origin\":\"prot\"}")
                .post("/api/v1/decisions?force=true").then().statusCode(403);
        admin().contentType("application/json").body("{\"value\":\"10.1.2.3\",\"origin\":\"prot\"}")
                .post("/api/v1/decisions?force=true").then().statusCode(201).body("value", equalTo("10.1.2.3"));
        assertEquals(1, TestSupport.count("SELECT count(*) FROM decisions WHERE origin = 'prot'"));
    }
}
