package dev.banlist.error;

import static dev.banlist.support.TestSupport.admin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ErrorContractTest {

    @TestHTTPResource("/")
    URL url;

    private static void assertErrorBody(Response r, int status, String code) {
        r.then().statusCode(status)
                .contentType("application/json")
                .body("error_code", equalTo(code))
                .body("message", notNullValue())
                .body("details", notNullValue())
                .body("request_id", equalTo(r.header("X-Request-Id")));
        String body = r.asString();
        for (String leak : new String[] { "Exception", "\tat ", "dev.banlist", "SELECT", "INSERT", "jdbc", "postgresql://" }) {
            assertFalse(body.contains(leak), "leaks '" + leak + "': " + body);
        }
    }

    @Test
    void eachErrorHasTheBodyAndAFittingStatus() {
        assertErrorBody(admin().contentType("application/json").body("{\"value\":").post("/api/v1/decisions"), 400, "MALFORMED_JSON");
        assertErrorBody(admin().contentType("application/json").body("{\"value\":\"x\"}").post("/api/v1/decisions"), 400, "VALIDATION_FAILED");
        assertErrorBody(admin().contentType("text/plain").body("1.2.3.4").post("/api/v1/decisions"), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertErrorBody(admin().contentType("application/json").body("{\"name\":[\"a\"],\"role\":\"agent\"}").post("/api/v1/keys"), 400, "VALIDATION_FAILED");
        assertErrorBody(admin().contentType("application/json").body("{\"name\":\"a\",\"role\":\"agent\",\"x\":1}").post("/api/v1/keys"), 400, "VALIDATION_FAILED");
        assertErrorBody(given().get("/api/v1/decisions"), 401, "UNAUTHENTICATED");
        assertErrorBody(admin().get("/api/v1/decisions/424242424"), 404, "NOT_FOUND");
        assertErrorBody(admin().get("/api/v1/nothing-here"), 404, "NOT_FOUND");
        assertErrorBody(given().get("/nothing-here"), 404, "NOT_FOUND");
        assertErrorBody(admin().put("/api/v1/check"), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void aBodyOverTheHttpLimitIs413() throws Exception {
        // Announce a body over the 10 MiB HTTP limit: the server answers before reading it.
        try (Socket socket = new Socket(url.getHost(), url.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /api/v1/decisions HTTP/1.1\r\nHost: localhost\r\n"
                    + "X-Api-Key: " + dev.banlist.support.TestSupport.ADMIN_KEY + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 20000000\r\n\r\n[")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readNBytes(2000), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 413"), response);
            assertTrue(response.contains("\"error_code\":\"PAYLOAD_TOO_LARGE\""), response);
            assertTrue(response.contains("X-Request-Id"), response);
        }
    }

    @Test
    void requestIdsAreEchoedWhenSaneAndGeneratedOtherwise() {
        given().header("X-Request-Id", "abc-123.X:y").get("/q/health/live").then().header("X-Request-Id", "abc-123.X:y");
        Response insane = given().header("X-Request-Id", "bad id\u00e9<script>").get("/q/health/live");
        insane.then().header("X-Request-Id", matchesPattern("[0-9a-f-]{36}"));
        Response generated = admin().get("/api/v1/decisions");
        generated.then().header("X-Request-Id", matchesPattern("[0-9a-f-]{36}"));
        assertEquals(200, generated.statusCode());
        given().header("X-Request-Id", "x".repeat(200)).get("/q/health/live").then()
                .header("X-Request-Id", matchesPattern("[0-9a-f-]{36}"));
    }
}
