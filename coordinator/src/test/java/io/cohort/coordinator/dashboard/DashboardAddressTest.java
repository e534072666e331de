package io.cohort.coordinator.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DashboardAddressTest {

    @Test
    void shouldParseHostAndPortWhenWellFormed() {
        assertEquals(new DashboardAddress("0.0.0.0", 9090), DashboardAddress.parse("0.0.0.0:9090"));
        assertEquals(new DashboardAddress("::1", 8080), DashboardAddress.parse("[::1]:8080"));
        assertEquals("[::1]:8080", DashboardAddress.parse("[::1]:8080").toString());
        assertEquals("127.0.0.1:8080", DashboardAddress.DEFAULT.toString());
    }

    @Test
    void shouldNameTheBadValueWhenMalformed() {
        for (String bad : new String[] {"8080", "localhost:", ":8080", "host:http", "h:70000"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DashboardAddress.parse(bad));
            assertEquals("--dashboard must be HOST:PORT with a port from 0 to 65535, such as "
                    + "127.0.0.1:8080, but was '" + bad + "'", e.getMessage());
        }
    }
}
