package dev.banlist.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import dev.banlist.support.TestSupport;

@QuarkusTest
class SchemaTest {

    @Test
    void addressesAreCidrAndTimestampsAreTimestamptz() throws Exception {
        try (Connection c = TestSupport.jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'decisions'")) {
            while (rs.next()) {
                String column = rs.getString(1);
                if (column.equals("value")) {
                    assertEquals("cidr", rs.getString(2));
                }
                if (column.endsWith("_at")) {
                    assertEquals("timestamp with time zone", rs.getString(2), column);
                }
            }
        }
    }

    @Test
    void containmentUsesTheGistIndex() throws Exception {
        try (Connection c = TestSupport.jdbc()) {
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'decisions_open_value'")) {
                assertTrue(rs.next());
                assertTrue(rs.getString(1).contains("USING gist (value inet_ops)"), rs.getString(1));
            }
            c.setAutoCommit(false);
            c.createStatement().execute("SET LOCAL enable_seqscan = off");
            // "Covers this address" needs the GiST index: no btree can answer >>=.
            for (String predicate : List.of("value >>= '192.0.2.1'::inet", "value >>= '2001:db8::1'::inet")) {
                String plan = plan(c, predicate);
                assertTrue(plan.contains("decisions_open_value"), plan);
            }
            // "Inside this network" may also use the btree on value as a range (PostgreSQL 15 does); either way
            // an index, never a scan of every row.
            String within = plan(c, "value <<= '192.0.2.0/24'::cidr");
            assertTrue(within.contains("Index") && !within.contains("Seq Scan"), within);
            c.rollback();
        }
    }

    private static String plan(Connection c, String predicate) throws Exception {
        List<String> plan = new ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery("EXPLAIN SELECT id FROM decisions WHERE " + predicate
                + " AND ended_at IS NULL AND (expires_at IS NULL OR expires_at > now())")) {
            while (rs.next()) {
                plan.add(rs.getString(1));
            }
        }
        return String.join("\n", plan);
    }
}
