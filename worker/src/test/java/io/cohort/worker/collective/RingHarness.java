package io.cohort.worker.collective;

import com.typesafe.config.ConfigFactory;
import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A real media driver in a test directory, one Aeron client, and the ranks of rings as threads
 * of this JVM.
 */
final class RingHarness implements AutoCloseable {
    static final int BASE_STREAM_ID = 2000;

    final CollectiveSettings settings;
    final MediaDriver driver;
    final Aeron aeron;
    private final List<RingAllReduce> rings = new ArrayList<>();
    private final ExecutorService callers = Executors.newCachedThreadPool(task -> {
        final Thread thread = new Thread(task, "test-caller");
        thread.setDaemon(true);
        return thread;
    });

    RingHarness(final Path dir, final CollectiveSettings settings) {
        this.settings = settings;
        this.driver = MediaDrivers.launch(dir.resolve("aeron"), settings);
        this.aeron = MediaDrivers.connect(driver.aeronDirectoryName());
    }

    /** Defaults from reference.conf with a smaller term and a short timeout for tests. */
    static CollectiveSettings testSettings(final Duration timeout) {
        return CollectiveSettings.from(ConfigFactory.load())
            .withTermLengthBytes(4 * 1024 * 1024)
            .withTimeout(timeout);
    }

    /** The ring specs of all ranks of one ring over IPC or over UDP on 127.0.0.1. */
    static List<RingSpec> specs(final String transport, final long epoch, final int n) {
        final List<RingSpec> specs = new ArrayList<>();
        final List<String> endpoints = "udp".equals(transport) ? freeEndpoints(n) : List.of();
        for (int rank = 0; rank < n; rank++) {
            specs.add("udp".equals(transport)
                ? RingSpec.udp(epoch, rank, endpoints, BASE_STREAM_ID)
                : RingSpec.ipc(epoch, rank, n, BASE_STREAM_ID));
        }
        return specs;
    }

    /** Creates every rank of a ring with the harness's settings. */
    List<RingAllReduce> create(final List<RingSpec> specs, final int maxValues) {
        return create(specs, settings, maxValues);
    }

    /** Creates every rank of a ring; the harness closes them. */
    List<RingAllReduce> create(
        final List<RingSpec> specs, final CollectiveSettings ringSettings, final int maxValues) {
        final List<RingAllReduce> ring = new ArrayList<>();
        for (final RingSpec spec : specs) {
            final RingAllReduce rank =
                RingAllReduce.create(aeron, spec, ringSettings, maxValues);
            ring.add(rank);
            rings.add(rank);
        }
        return ring;
    }

    /** Direct buffers of {@code count} floats, one per rank. */
    static UnsafeBuffer[] buffers(final int ranks, final int count) {
        final UnsafeBuffer[] buffers = new UnsafeBuffer[ranks];
        for (int r = 0; r < ranks; r++) {
            buffers[r] = new UnsafeBuffer(ByteBuffer.allocateDirect(
                Math.max(1, count) * Float.BYTES));
        }
        return buffers;
    }

    /** Runs one all-reduce on every given rank at once and returns each rank's outcome. */
    List<Throwable> allReduce(
        final List<RingAllReduce> ring,
        final long step,
        final UnsafeBuffer[] buffers,
        final int count) throws InterruptedException {
        final List<Future<?>> futures = new ArrayList<>();
        for (int r = 0; r < ring.size(); r++) {
            final RingAllReduce rank = ring.get(r);
            final UnsafeBuffer buffer = buffers[r];
            futures.add(callers.submit(() -> rank.allReduce(step, buffer, count)));
        }
        final List<Throwable> outcomes = new ArrayList<>();
        for (final Future<?> future : futures) {
            outcomes.add(outcome(future));
        }
        return outcomes;
    }

    /** Runs one all-reduce on every rank and fails when any rank failed. */
    void allReduceOrFail(
        final List<RingAllReduce> ring,
        final long step,
        final UnsafeBuffer[] buffers,
        final int count) throws InterruptedException {
        for (final Throwable outcome : allReduce(ring, step, buffers, count)) {
            if (outcome != null) {
                throw new AssertionError("all-reduce of step " + step + " failed", outcome);
            }
        }
    }

    Future<?> submit(final Runnable task) {
        return callers.submit(task);
    }

    static Throwable outcome(final Future<?> future) throws InterruptedException {
        try {
            future.get(60, TimeUnit.SECONDS);
            return null;
        } catch (final ExecutionException e) {
            return e.getCause();
        } catch (final TimeoutException e) {
            return e;
        }
    }

    static List<String> freeEndpoints(final int n) {
        final List<String> endpoints = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            try (DatagramSocket socket =
                     new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                endpoints.add("127.0.0.1:" + socket.getLocalPort());
            } catch (final IOException e) {
                throw new IllegalStateException("no free UDP port on 127.0.0.1", e);
            }
        }
        return endpoints;
    }

    @Override
    public void close() {
        callers.shutdownNow();
        rings.forEach(CloseHelper::quietClose);
        CloseHelper.closeAll(aeron, driver);
    }
}
