package io.cohort.worker.collective;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.aeron.driver.ThreadingMode;
import java.time.Duration;
import java.util.Locale;
import org.agrona.BitUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * Settings of the ring all-reduce and of the media driver it runs over, read once from the
 * {@code cohort.collective} section of the configuration and validated.
 *
 * @param timeout               how long one all-reduce may take before it fails.
 * @param wireFormat            how values travel between ranks.
 * @param termLengthBytes       term length of each publication's log buffer.
 * @param mtuBytes              largest Aeron frame, Aeron's header included.
 * @param frameBytes            largest all-reduce frame, its own header included.
 * @param idleStrategy          name of the ring agent's idle strategy.
 * @param idleMaxParkNs         longest park of the ring agent when idle.
 * @param driverThreadingMode   threading mode of an embedded media driver.
 * @param driverIdleMaxParkNs   longest park of the media driver's threads when idle.
 * @param socketRcvbufBytes     UDP receive socket buffer of the media driver.
 * @param socketSndbufBytes     UDP send socket buffer of the media driver.
 * @param receiverWindowBytes   UDP receiver window of the media driver.
 */
public record CollectiveSettings(
    Duration timeout,
    WireFormat wireFormat,
    int termLengthBytes,
    int mtuBytes,
    int frameBytes,
    String idleStrategy,
    long idleMaxParkNs,
    ThreadingMode driverThreadingMode,
    long driverIdleMaxParkNs,
    int socketRcvbufBytes,
    int socketSndbufBytes,
    int receiverWindowBytes) {

    /** The section of the configuration these settings are read from. */
    public static final String PATH = "cohort.collective";

    /** Bytes of the header Aeron puts in front of every frame. */
    public static final int AERON_HEADER_BYTES = 32;

    private static final int MIN_TERM = 64 * 1024;
    private static final int MAX_TERM = 1024 * 1024 * 1024;
    private static final int MIN_MTU = 128;
    private static final int MAX_MTU = 65504;

    /**
     * Checks every value against its allowed range.
     *
     * @throws IllegalArgumentException naming the key, the value and the range it must be in.
     */
    public CollectiveSettings {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw bad("timeout", timeout, "a positive duration such as 30s");
        }
        if (wireFormat == null) {
            throw bad("wire-format", null, "fp32 or bf16");
        }
        if (termLengthBytes < MIN_TERM || termLengthBytes > MAX_TERM
            || !BitUtil.isPowerOfTwo(termLengthBytes)) {
            throw bad("term-length-bytes", termLengthBytes, "a power of two in 64k..1g");
        }
        if (mtuBytes < MIN_MTU || mtuBytes > MAX_MTU || mtuBytes % 32 != 0) {
            throw bad("mtu-bytes", mtuBytes, "a multiple of 32 in 128..65504");
        }
        final int maxFrame = mtuBytes - AERON_HEADER_BYTES;
        final int minFrame = FrameHeader.LENGTH + Float.BYTES;
        if (frameBytes < minFrame || frameBytes > maxFrame) {
            throw bad("frame-bytes", frameBytes,
                minFrame + ".." + maxFrame + " (mtu-bytes minus 32)");
        }
        newIdleStrategy(idleStrategy, 1);
        if (idleMaxParkNs < 1_000 || idleMaxParkNs > 100_000_000) {
            throw bad("idle-max-park", idleMaxParkNs + "ns", "1us..100ms");
        }
        if (driverThreadingMode == null) {
            throw bad("driver.threading-mode", null, "shared, shared-network or dedicated");
        }
        if (driverIdleMaxParkNs < 1_000 || driverIdleMaxParkNs > 100_000_000) {
            throw bad("driver.idle-max-park", driverIdleMaxParkNs + "ns", "1us..100ms");
        }
        checkSocketBytes("driver.socket-rcvbuf-bytes", socketRcvbufBytes);
        checkSocketBytes("driver.socket-sndbuf-bytes", socketSndbufBytes);
        checkSocketBytes("driver.receiver-window-bytes", receiverWindowBytes);
        if (receiverWindowBytes > socketRcvbufBytes) {
            throw bad("driver.receiver-window-bytes", receiverWindowBytes,
                "at most driver.socket-rcvbuf-bytes (" + socketRcvbufBytes + ")");
        }
    }

    /**
     * Reads and validates the {@code cohort.collective} section.
     *
     * @param config a configuration holding {@code cohort.collective}, usually
     *               {@code ConfigFactory.load()}.
     * @return the settings.
     * @throws IllegalArgumentException naming the first key that is missing or out of range.
     */
    public static CollectiveSettings from(final Config config) {
        try {
            final Config c = config.getConfig(PATH);
            final Config d = c.getConfig("driver");
            return new CollectiveSettings(
                c.getDuration("timeout"),
                WireFormat.parse(c.getString("wire-format")),
                intBytes(c, "term-length-bytes"),
                intBytes(c, "mtu-bytes"),
                intBytes(c, "frame-bytes"),
                c.getString("idle-strategy"),
                c.getDuration("idle-max-park").toNanos(),
                threadingMode(d.getString("threading-mode")),
                d.getDuration("idle-max-park").toNanos(),
                intBytes(d, "socket-rcvbuf-bytes"),
                intBytes(d, "socket-sndbuf-bytes"),
                intBytes(d, "receiver-window-bytes"));
        } catch (final ConfigException e) {
            throw new IllegalArgumentException(
                "bad setting in " + PATH + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns a copy with another timeout.
     *
     * @param newTimeout the timeout of one all-reduce.
     * @return the copy.
     */
    public CollectiveSettings withTimeout(final Duration newTimeout) {
        return new CollectiveSettings(newTimeout, wireFormat, termLengthBytes, mtuBytes,
            frameBytes, idleStrategy, idleMaxParkNs, driverThreadingMode, driverIdleMaxParkNs,
            socketRcvbufBytes, socketSndbufBytes, receiverWindowBytes);
    }

    /**
     * Returns a copy with another wire format.
     *
     * @param newFormat how values travel.
     * @return the copy.
     */
    public CollectiveSettings withWireFormat(final WireFormat newFormat) {
        return new CollectiveSettings(timeout, newFormat, termLengthBytes, mtuBytes,
            frameBytes, idleStrategy, idleMaxParkNs, driverThreadingMode, driverIdleMaxParkNs,
            socketRcvbufBytes, socketSndbufBytes, receiverWindowBytes);
    }

    /**
     * Returns a copy with another term length.
     *
     * @param newTermLengthBytes term length of each publication's log buffer.
     * @return the copy.
     */
    public CollectiveSettings withTermLengthBytes(final int newTermLengthBytes) {
        return new CollectiveSettings(timeout, wireFormat, newTermLengthBytes, mtuBytes,
            frameBytes, idleStrategy, idleMaxParkNs, driverThreadingMode, driverIdleMaxParkNs,
            socketRcvbufBytes, socketSndbufBytes, receiverWindowBytes);
    }

    /**
     * Makes the ring agent's idle strategy.
     *
     * @return a new idle strategy as named by {@link #idleStrategy()}.
     */
    public IdleStrategy newIdleStrategy() {
        return newIdleStrategy(idleStrategy, idleMaxParkNs);
    }

    /**
     * Makes the media driver's idle strategy: backoff, parking at most
     * {@link #driverIdleMaxParkNs()}.
     *
     * @return a new idle strategy.
     */
    public IdleStrategy newDriverIdleStrategy() {
        return new BackoffIdleStrategy(10, 5, 1_000, driverIdleMaxParkNs);
    }

    private static IdleStrategy newIdleStrategy(final String name, final long maxParkNs) {
        final String key = name == null ? "" : name.toLowerCase(Locale.ROOT);
        return switch (key) {
            case "backoff" -> new BackoffIdleStrategy(10, 5, Math.min(1_000, maxParkNs),
                maxParkNs);
            case "sleeping" -> new SleepingIdleStrategy(maxParkNs);
            case "yielding" -> new YieldingIdleStrategy();
            case "busy-spin" -> new BusySpinIdleStrategy();
            default -> throw bad("idle-strategy", name,
                "one of backoff, sleeping, yielding, busy-spin");
        };
    }

    private static ThreadingMode threadingMode(final String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "shared" -> ThreadingMode.SHARED;
            case "shared-network" -> ThreadingMode.SHARED_NETWORK;
            case "dedicated" -> ThreadingMode.DEDICATED;
            default -> throw bad("driver.threading-mode", name,
                "one of shared, shared-network, dedicated");
        };
    }

    private static int intBytes(final Config config, final String key) {
        final long bytes = config.getBytes(key);
        if (bytes > Integer.MAX_VALUE || bytes < 0) {
            throw bad(key, bytes, "0.." + Integer.MAX_VALUE + " bytes");
        }
        return (int) bytes;
    }

    private static void checkSocketBytes(final String key, final int bytes) {
        if (bytes < 64 * 1024 || bytes > 256 * 1024 * 1024) {
            throw bad(key, bytes, "64k..256m, and at most the kernel's net.core.rmem_max");
        }
    }

    private static IllegalArgumentException bad(
        final String key, final Object value, final String range) {
        return new IllegalArgumentException(
            PATH + "." + key + " = " + value + " is out of range: it must be " + range);
    }
}
