package dev.banlist.support;

import static io.restassured.RestAssured.given;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

/** Shared helpers: authenticated requests, Prometheus samples and a second, independent database connection. */
public final class TestSupport {

    public static final String ADMIN_KEY = "test-admin-key-0123456789abcdef";

    private TestSupport() {
    }

    public static RequestSpecification admin() {
        return as(ADMIN_KEY);
    }

    public static RequestSpecification as(String key) {
        return given().header("X-Api-Key", key);
    }

    /** Creates a key with the role and returns its secret. */
    public static String newKey(String name, String role) {
        return admin().contentType("application/json")
                .body("{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}")
                .post("/api/v1/keys").then().statusCode(201).extract().path("key");
    }

    /** The value of one Prometheus sample, 0 when absent. {@code labels} as in the exposition, e.g. {@code operation="x"}. */
    public static double metric(String name, String... labels) {
        String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String line : body.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                Matcher m = Pattern.compile(" ([0-9.eE+-]+)$").matcher(line);
                if (m.find()) {
                    return Double.parseDouble(m.group(1));
                }
            }
        }
        return 0;
    }

    /** A JDBC connection of its own to the service's database, for holding locks and checking rows. */
    public static Connection jdbc() throws SQLException {
        var config = ConfigProvider.getConfig();
        String url = "jdbc:" + config.getValue("quarkus.datasource.reactive.url", String.class);
        return DriverManager.getConnection(url, config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
    }

    public static long count(String sql) throws SQLException {
        try (Connection c = jdbc(); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
