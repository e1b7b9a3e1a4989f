package dev.banlist.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpNetworkTest {

    @ParameterizedTest
    @CsvSource({
            "1.2.3.4, 1.2.3.4, ip",
            "1.2.3.4/32, 1.2.3.4, ip",
            "10.0.0.0/8, 10.0.0.0/8, range",
            "0.0.0.0/0, 0.0.0.0/0, range",
            "' 192.0.2.1 ', 192.0.2.1, ip",
            "::ffff:5.6.7.8, 5.6.7.8, ip",
            "::ffff:10.0.0.0/104, 10.0.0.0/8, range",
            "2001:DB8:0:0:0:0:0:1, 2001:db8::1, ip",
            "2001:db8::/32, 2001:db8::/32, range",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1, ip",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1, ip",
            "::1, ::1, ip",
            "::, ::, ip",
            "::/0, ::/0, range",
            "fe80::/10, fe80::/10, range",
    })
    void normalises(String input, String canonical, String scope) {
        IpNetwork network = IpNetwork.parse(input);
        assertEquals(canonical, network.toString());
        assertEquals(scope, network.scope());
    }

    @Test
    void hostBitsNameTheIntendedNetwork() {
        var e = assertThrows(IpNetwork.InvalidNetworkException.class, () -> IpNetwork.parse("10.1.2.3/8"));
        assertTrue(e.getMessage().contains("did you mean 10.0.0.0/8?"), e.getMessage());
        var v6 = assertThrows(IpNetwork.InvalidNetworkException.class, () -> IpNetwork.parse("2001:db8::1/32"));
        assertTrue(v6.getMessage().contains("did you mean 2001:db8::/32?"), v6.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4/33", "1.2.3.4/-1",
            "1.2.3.4/", "::1/129", "2001:db8::g", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "example.com", "1.2.3.4 /24" })
    void rejectsWhatIsNoAddress(String input) {
        assertThrows(IpNetwork.InvalidNetworkException.class, () -> IpNetwork.parse(input));
    }

    @Test
    void containment() {
        IpNetwork net = IpNetwork.parse("192.0.2.0/24");
        assertTrue(net.contains(IpNetwork.parse("192.0.2.77")));
        assertFalse(net.contains(IpNetwork.parse("192.0.3.1")));
        assertFalse(net.contains(IpNetwork.parse("2001:db8::1")));
        assertTrue(IpNetwork.parse("2001:db8::/32").contains(IpNetwork.parse("2001:db8:ffff::1")));
        assertFalse(IpNetwork.parse("2001:db8::/32").contains(IpNetwork.parse("2001:db9::1")));
    }
}
