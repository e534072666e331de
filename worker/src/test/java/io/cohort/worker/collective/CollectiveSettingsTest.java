package io.cohort.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.aeron.driver.ThreadingMode;
import java.time.Duration;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Test;

class CollectiveSettingsTest {

    @Test
    void shouldReadTheDefaultsWhenOnlyReferenceConfIsLoaded() {
        final CollectiveSettings settings = CollectiveSettings.from(ConfigFactory.load());

        assertEquals(Duration.ofSeconds(30), settings.timeout());
        assertEquals(WireFormat.FP32, settings.wireFormat());
        assertEquals(16 * 1024 * 1024, settings.termLengthBytes());
        assertEquals(65504, settings.mtuBytes());
        assertEquals(65472, settings.frameBytes());
        assertEquals(ThreadingMode.SHARED, settings.driverThreadingMode());
        assertTrue(settings.newIdleStrategy() instanceof BackoffIdleStrategy);
        assertTrue(settings.socketRcvbufBytes() <= 4 * 1024 * 1024);
    }

    @Test
    void shouldTakeOverridesWhenGivenInHocon() {
        final CollectiveSettings settings = settings("timeout = 250ms, wire-format = bf16, "
            + "term-length-bytes = 1m, idle-strategy = sleeping");

        assertEquals(Duration.ofMillis(250), settings.timeout());
        assertEquals(WireFormat.BF16, settings.wireFormat());
        assertEquals(1024 * 1024, settings.termLengthBytes());
    }

    @Test
    void shouldNameKeyValueAndRangeWhenTermLengthIsNotAPowerOfTwo() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> settings("term-length-bytes = 100k"));

        assertTrue(error.getMessage().contains("cohort.collective.term-length-bytes = 102400"),
            error.getMessage());
        assertTrue(error.getMessage().contains("power of two in 64k..1g"), error.getMessage());
    }

    @Test
    void shouldNameTheLimitWhenFrameBytesExceedTheMtu() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> settings("mtu-bytes = 8192, frame-bytes = 8192"));

        assertTrue(error.getMessage().contains("frame-bytes = 8192"), error.getMessage());
        assertTrue(error.getMessage().contains("..8160"), error.getMessage());
    }

    @Test
    void shouldListTheAllowedValuesWhenNamesAreUnknown() {
        final IllegalArgumentException idle = assertThrows(IllegalArgumentException.class,
            () -> settings("idle-strategy = nap"));
        final IllegalArgumentException wire = assertThrows(IllegalArgumentException.class,
            () -> settings("wire-format = fp8"));

        assertTrue(idle.getMessage().contains("backoff, sleeping, yielding, busy-spin"),
            idle.getMessage());
        assertTrue(wire.getMessage().contains("fp32, bf16"), wire.getMessage());
    }

    @Test
    void shouldRejectAReceiverWindowLargerThanTheSocketBuffer() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> settings("driver { socket-rcvbuf-bytes = 1m, receiver-window-bytes = 2m }"));

        assertTrue(error.getMessage().contains("receiver-window-bytes"), error.getMessage());
    }

    @Test
    void shouldRejectAZeroTimeoutAndAValueWithoutUnits() {
        assertThrows(IllegalArgumentException.class, () -> settings("timeout = 0s"));
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> settings("mtu-bytes = lots"));

        assertTrue(error.getMessage().contains("mtu-bytes"), error.getMessage());
    }

    private static CollectiveSettings settings(final String overrides) {
        return CollectiveSettings.from(ConfigFactory.parseString(
            "cohort.collective { " + overrides + " }").withFallback(ConfigFactory.load()));
    }
}
