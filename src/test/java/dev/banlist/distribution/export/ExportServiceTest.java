package dev.banlist.distribution.export;

import static dev.banlist.support.TestSupport.admin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;


/**
 * Exports are rendered on the bulk workers, once per request shape and index state (the bound on the workers is
 * {@link BulkReadersTest}). Uses 198.18.240.0/24 and export shapes (nginx,
 * ipset names) no other test asks for.
 */
@QuarkusTest
class ExportServiceTest {

    @Inject
    ExportService exports;

    private static void ban(String value) {
        admin().contentType("application/json").body("{\"value\":\"" + value + "\",\"duration\":\"1h\"}")
                .post("/api/v1/decisions").then().statusCode(201);
    }

    @Test
    void anExportIsRenderedOffTheEventLoopAndARepeatOrARevalidationIsAnsweredFromTheCache() {
        ban("198.18.240.1");
        String url = "/api/v1/export?format=nginx&aggregate=true&name=cachetest";
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Response first = admin().get(url);
            first.then().statusCode(200);
            assertTrue(first.asString().contains("deny 198.18.240.1;"), first.asString());
            String etag = first.header("ETag");
            double renders = exports.renders();
            Response again = admin().get(url);
            again.then().statusCode(200).header("ETag", etag);
            assertEquals(first.asString(), again.asString());
            admin().header("If-None-Match", etag).get(url).then().statusCode(304).header("ETag", etag);
            assertEquals(renders, exports.renders(), "the repeat and the 304 rendered nothing");
        });
        assertTrue(exports.renders() > 0);
        assertFalse(exports.renderedOnEventLoop(), "an export was rendered on an event-loop thread");

        // A change of the index is seen at once: the next export renders again and holds it.
        double before = exports.renders();
        ban("198.18.240.2");
        String body = admin().get(url).then().statusCode(200).extract().asString();
        assertTrue(body.contains("deny 198.18.240.2;"), body);
        assertTrue(exports.renders() > before);
    }
}
