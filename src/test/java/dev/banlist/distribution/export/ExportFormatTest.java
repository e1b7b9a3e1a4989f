package dev.banlist.distribution.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ExportFormatTest {

    @ParameterizedTest
    @CsvSource({
            "plain, PLAIN", "PLAIN, PLAIN", "ipset, IPSET", "IpSet, IPSET", "nftables, NFTABLES",
            "NFTables, NFTABLES", "nginx, NGINX", "json, JSON", "JSON, JSON" })
    void parsesNamesInAnyCase(String text, ExportFormat expected) {
        assertEquals(expected, ExportFormat.parse(text));
        assertEquals(expected.name().toLowerCase(), expected.id());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { "csv", "nft", "text", " plain", "json ", "plain2" })
    void rejectsOtherNames(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> ExportFormat.parse(text));
        assertEquals("format must be one of plain, ipset, nftables, nginx, json", e.getMessage());
    }

    @Test
    void contentTypes() {
        assertEquals("application/json", ExportFormat.JSON.contentType());
        for (ExportFormat f : new ExportFormat[] { ExportFormat.PLAIN, ExportFormat.IPSET, ExportFormat.NFTABLES,
                ExportFormat.NGINX }) {
            assertEquals("text/plain; charset=utf-8", f.contentType(), f.name());
        }
    }
}
