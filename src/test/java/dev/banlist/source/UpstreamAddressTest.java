package dev.banlist.source;

import static dev.banlist.support.TestSupport.admin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;
import dev.banlist.support.Upstream;

/** With private addresses not allowed (the production default), internal URLs are refused when saved and fetched. */
@QuarkusTest
@TestProfile(UpstreamAddressTest.PrivateAddressesRefused.class)
class UpstreamAddressTest {

    public static class PrivateAddressesRefused implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("banlist.sources.allow-private-addresses", "false");
        }
    }

    static final Upstream UPSTREAM = new Upstream();

    @AfterAll
    static void stop() {
        UPSTREAM.close();
    }

    @Test
    void internalAddressesAreRefusedWhenSaved() {
        for (String url : new String[] { "http://127.0.0.1/x", "http://localhost:8080/x", "http://[::1]/x",
                "http://10.0.0.5/x", "http://192.168.1.1/x", "http://172.16.0.1/x", "http://169.254.169.254/latest/meta-data/",
                "http://[fd00:ec2::254]/x", "http://100.100.100.200/x", "http://0.0.0.0/x", "http://[::ffff:127.0.0.1]/x" }) {
            admin().contentType("application/json").body("{\"name\":\"internal\",\"url\":\"" + url + "\"}")
                    .post("/api/v1/sources").then().statusCode(400)
                    .body("details.fields.field", hasItem("url"))
                    .body("details.fields.problem", hasItem(containsString("allow-private-addresses")));
        }
    }

    @Test
    void anAddressThatTurnsInternalLaterIsRefusedAtFetch() throws Exception {
        UPSTREAM.list("/list", "198.51.100.1\n");
        long id = Sources.create("later-internal", "https://lists.example.org/list", "plain");
        // the name now points somewhere internal (here: the row is changed behind the API's back)
        TestSupport.count("WITH u AS (UPDATE sources SET url = '" + UPSTREAM.url("/list") + "' WHERE id = " + id
                + " RETURNING 1) SELECT count(*) FROM u");
        var run = Sources.run(id);
        assertEquals("FORBIDDEN_ADDRESS", run.getString("error_code"));
        assertEquals(0, UPSTREAM.requests("/list").size(), "no request may reach the internal address");
        admin().get("/api/v1/sources/" + id).then().body("status", equalTo("degraded"));
    }
}
