package io.cohort.worker.collective;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the embedded media driver of a host and connects Aeron clients to it. The processes of
 * one host share one driver: one process launches it, the others connect to its directory.
 */
public final class MediaDrivers {
    private static final Logger LOG = LoggerFactory.getLogger(MediaDrivers.class);
    private static final Path RMEM_MAX = Path.of("/proc/sys/net/core/rmem_max");
    private static final Path WMEM_MAX = Path.of("/proc/sys/net/core/wmem_max");
    private static final long CLIENT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private MediaDrivers() {
    }

    /**
     * Launches a media driver in {@code aeronDir}, deleting what an earlier driver left there,
     * and deleting the directory again when the driver is closed.
     *
     * @param aeronDir where the driver keeps its files; on Linux {@code /dev/shm/...} is
     *                 fastest.
     * @param settings term length, MTU, socket buffers, threading mode and idle strategy.
     * @return the running driver; close it last, after every client.
     * @throws IllegalArgumentException when a socket buffer exceeds what the kernel allows.
     */
    public static MediaDriver launch(final Path aeronDir, final CollectiveSettings settings) {
        checkKernelLimit(RMEM_MAX, "driver.socket-rcvbuf-bytes", settings.socketRcvbufBytes());
        checkKernelLimit(WMEM_MAX, "driver.socket-sndbuf-bytes", settings.socketSndbufBytes());

        final MediaDriver.Context context = new MediaDriver.Context()
            .aeronDirectoryName(aeronDir.toAbsolutePath().toString())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .threadingMode(settings.driverThreadingMode())
            .sharedIdleStrategy(settings.newDriverIdleStrategy())
            .conductorIdleStrategy(settings.newDriverIdleStrategy())
            .senderIdleStrategy(settings.newDriverIdleStrategy())
            .receiverIdleStrategy(settings.newDriverIdleStrategy())
            .sharedNetworkIdleStrategy(settings.newDriverIdleStrategy())
            .ipcTermBufferLength(settings.termLengthBytes())
            .publicationTermBufferLength(settings.termLengthBytes())
            .mtuLength(settings.mtuBytes())
            .ipcMtuLength(settings.mtuBytes())
            .socketRcvbufLength(settings.socketRcvbufBytes())
            .socketSndbufLength(settings.socketSndbufBytes())
            .initialWindowLength(settings.receiverWindowBytes())
            .termBufferSparseFile(true)
            .warnIfDirectoryExists(false);
        final MediaDriver driver = MediaDriver.launch(context);
        LOG.info("media driver started in [{}]: [{}] threading, term [{}] bytes, mtu [{}]",
            driver.aeronDirectoryName(), settings.driverThreadingMode(),
            settings.termLengthBytes(), settings.mtuBytes());
        return driver;
    }

    /**
     * Connects an Aeron client to the media driver in {@code aeronDir}.
     *
     * @param aeronDir the driver's directory.
     * @return the client; close it before the driver.
     */
    public static Aeron connect(final String aeronDir) {
        return Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(aeronDir)
            .driverTimeoutMs(TimeUnit.NANOSECONDS.toMillis(CLIENT_TIMEOUT_NS)));
    }

    private static void checkKernelLimit(final Path limitFile, final String key, final int bytes) {
        if (!Files.isReadable(limitFile)) {
            return;
        }
        try {
            // Files of /proc report a size of 0, so read them line by line.
            final long limit = Long.parseLong(
                Files.readAllLines(limitFile, StandardCharsets.US_ASCII).get(0).trim());
            if (bytes > limit) {
                throw new IllegalArgumentException(CollectiveSettings.PATH + "." + key + " = "
                    + bytes + " exceeds the kernel's " + limitFile + " (" + limit
                    + "); lower it or raise the kernel limit with sysctl");
            }
        } catch (final IOException | NumberFormatException e) {
            LOG.debug("could not read [{}]", limitFile, e);
        }
    }
}
