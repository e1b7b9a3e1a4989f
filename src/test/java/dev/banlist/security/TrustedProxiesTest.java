package dev.banlist.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    private final TrustedProxies none = new TrustedProxies(List.of());
    private final TrustedProxies ingress = new TrustedProxies(List.of("10.0.0.0/8", "2001:db8:ffff::/48"));

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() {
        assertEquals("192.0.2.10", none.client("192.0.2.10", List.of("203.0.113.7")));
        assertEquals("192.0.2.10", none.client("::ffff:192.0.2.10", List.of()));
    }

    @Test
    void fromAPeerThatIsNoTrustedProxyTheHeaderIsIgnored() {
        assertEquals("192.0.2.10", ingress.client("192.0.2.10", List.of("203.0.113.7")));
    }

    @Test
    void behindTrustedProxiesTheClientIsTheLastAddressThatIsNoProxy() {
        assertEquals("203.0.113.7", ingress.client("10.1.2.3", List.of("203.0.113.7")));
        // Whatever the client itself wrote to the left of what the proxies appended is not believed.
        assertEquals("203.0.113.7", ingress.client("10.1.2.3", List.of("198.51.100.1, 203.0.113.7, 10.9.9.9")));
        assertEquals("203.0.113.7", ingress.client("10.1.2.3", List.of("198.51.100.1", "203.0.113.7,10.9.9.9")));
        assertEquals("2001:db8::1", ingress.client("2001:db8:ffff::2", List.of("[2001:db8:0::1]:4711")));
        assertEquals("203.0.113.7", ingress.client("10.1.2.3", List.of("203.0.113.7:51000")));
    }

    @Test
    void onlyProxiesInTheHeaderMeansTheLeftmostIsTheClient() {
        assertEquals("10.0.0.9", ingress.client("10.1.2.3", List.of("10.0.0.9, 10.0.0.8")));
        assertEquals("10.1.2.3", ingress.client("10.1.2.3", List.of()));
    }

    @Test
    void somethingThatIsNoAddressEndsTheWalkAtTheLastTrustedHop() {
        assertEquals("10.0.0.8", ingress.client("10.1.2.3", List.of("203.0.113.7, unknown, 10.0.0.8")));
        assertEquals("10.1.2.3", ingress.client("10.1.2.3", List.of("x".repeat(5000))));
    }

    @Test
    void noPeerAddressIsUnknown() {
        assertEquals("unknown", ingress.client(null, List.of("203.0.113.7")));
    }

    @Test
    void aBadNetworkInTheSettingFailsTheStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrustedProxies(List.of("10.0.0.0/33")));
        assertEquals(true, e.getMessage().startsWith("banlist.http.trusted-proxies"), e.getMessage());
    }
}
