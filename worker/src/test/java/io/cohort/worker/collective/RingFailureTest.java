package io.cohort.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a ring does with frames it must not sum, with peers that stop, and over many steps.
 */
class RingFailureTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void shouldDropAndCountStaleAndMalformedFramesWhenInjectedIntoARanksChannel()
        throws Exception {
        final long epoch = 5;
        final int count = 1_000_003;
        try (RingHarness harness = new RingHarness(
            dir, RingHarness.testSettings(Duration.ofSeconds(30)))) {
            final List<RingSpec> specs = RingHarness.specs("ipc", epoch, 2);
            final List<RingAllReduce> ring = harness.create(specs, count);
            final UnsafeBuffer[] buffers = RingHarness.buffers(2, count);
            RingAllReduceTest.fillSmallIntegers(buffers, count);
            harness.allReduceOrFail(ring, 1, buffers, count);

            try (ExclusivePublication injector = harness.aeron.addExclusivePublication(
                "aeron:ipc?term-length=1m", specs.get(1).self().streamId())) {
                awaitConnected(injector);
                // Rank 1 first expects chunk 0 of reduce-scatter step 0, from offset 0.
                offer(injector, frame(epoch - 1, 2, 0, 0, 1, 1, count), "older epoch");
                offer(injector, frame(epoch + 1, 2, 0, 0, 1, 1, count), "newer epoch");
                offer(injector, frame(epoch, 1, 0, 0, 1, 1, count), "earlier step");
                offer(injector, new UnsafeBuffer(new byte[10]), "too short");
                offer(injector, new UnsafeBuffer(new byte[64]), "no magic");
                offer(injector, frame(epoch, 2, 99, 0, 1, 1, count), "chunk out of range");
                offer(injector, frame(epoch, 2, 0, 0, 5, 1, count), "length not carried");

                RingAllReduceTest.fillSmallIntegers(buffers, count);
                harness.allReduceOrFail(ring, 2, buffers, count);
            }

            for (int r = 0; r < 2; r++) {
                RingAllReduceTest.assertSmallIntegerSum(buffers[r], count, 2, r);
            }
            assertEquals(3, ring.get(1).counters().staleFramesDropped());
            assertEquals(4, ring.get(1).counters().malformedFramesDropped());
            assertEquals(0, ring.get(0).counters().staleFramesDropped());
            assertEquals(0, ring.get(0).counters().malformedFramesDropped());
        }
    }

    @Test
    @Timeout(60)
    void shouldTimeOutNamingEpochStepPhaseAndRankWhenAPeerStopsThenServeANewRing()
        throws Exception {
        final Duration timeout = Duration.ofMillis(1500);
        final int count = 1000;
        try (RingHarness harness = new RingHarness(dir, RingHarness.testSettings(timeout))) {
            final List<RingAllReduce> ring = harness.create(RingHarness.specs("ipc", 7, 3), count);
            final UnsafeBuffer[] buffers = RingHarness.buffers(3, count);
            RingAllReduceTest.fillSmallIntegers(buffers, count);
            harness.allReduceOrFail(ring, 1, buffers, count);

            ring.get(2).close();
            final long start = System.nanoTime();
            final List<Throwable> outcomes =
                harness.allReduce(ring.subList(0, 2), 2, buffers, count);
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertTrue(elapsedMs < timeout.toMillis() + 5000, "took " + elapsedMs + " ms");
            for (final Throwable outcome : outcomes) {
                final AllReduceTimeoutException error =
                    assertInstanceOf(AllReduceTimeoutException.class, outcome);
                final String message = error.getMessage();
                assertTrue(message.contains("epoch 7"), message);
                assertTrue(message.contains("step 2"), message);
                assertTrue(message.contains("phase " + error.phase().label()), message);
                assertTrue(message.contains("waiting for rank " + error.waitingForRank()),
                    message);
            }
            final AllReduceTimeoutException first = (AllReduceTimeoutException) outcomes.get(0);
            assertEquals(2, first.waitingForRank());
            assertEquals(RingPhase.REDUCE_SCATTER, first.phase());

            final List<RingAllReduce> survivors =
                harness.create(RingHarness.specs("ipc", 8, 2), count);
            RingAllReduceTest.fillSmallIntegers(buffers, count);
            harness.allReduceOrFail(survivors, 1, buffers, count);
            RingAllReduceTest.assertSmallIntegerSum(buffers[0], count, 2, 0);
            RingAllReduceTest.assertSmallIntegerSum(buffers[1], count, 2, 1);
        }
    }

    @Test
    @Timeout(120)
    void shouldAllocateNothingPerStepWhenRunningAThousandAllReduces() throws Exception {
        final int n = 2;
        final int count = 4099;
        final int steps = 1000;
        try (RingHarness harness = new RingHarness(
            dir, RingHarness.testSettings(Duration.ofSeconds(30)))) {
            final List<RingAllReduce> ring = harness.create(RingHarness.specs("ipc", 9, n), count);
            final UnsafeBuffer[] buffers = RingHarness.buffers(n, count);
            final long[][] callerResults = new long[n][];

            final Future<?>[] callers = new Future<?>[n];
            for (int r = 0; r < n; r++) {
                final int rank = r;
                callers[r] = harness.submit(() -> callerResults[rank] =
                    runSteps(ring.get(rank), buffers[rank], rank, n, count, steps));
            }
            for (final Future<?> caller : callers) {
                caller.get(100, TimeUnit.SECONDS);
            }

            // The smallest object takes 16 bytes, so anything allocated once per step would
            // add up to 16,000 bytes; the bound leaves room only for one-off runtime work.
            final long bound = 4096;
            for (int r = 0; r < n; r++) {
                assertEquals(0, callerResults[r][0], "wrong sums on rank " + r);
                assertTrue(callerResults[r][1] <= bound,
                    "caller of rank " + r + " allocated " + callerResults[r][1] + " bytes");
                assertTrue(callerResults[r][2] <= bound,
                    "agent of rank " + r + " allocated " + callerResults[r][2] + " bytes");
            }
        }
    }

    /**
     * Runs a warm-up, then {@code steps} all-reduces, and returns {wrong sums, bytes the
     * caller allocated, bytes the agent allocated} over the measured steps.
     */
    private static long[] runSteps(
        final RingAllReduce rank,
        final UnsafeBuffer values,
        final int r,
        final int n,
        final int count,
        final int steps) {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long agentId = agentThreadId(rank.spec());
        final long callerId = Thread.currentThread().getId();
        final int warmup = 2000;
        long wrong = 0;
        long callerBefore = 0;
        long agentBefore = 0;
        for (int step = 1; step <= warmup + steps; step++) {
            if (step == warmup + 1) {
                // Reading another thread's count may allocate on this one, so read it first.
                agentBefore = threads.getThreadAllocatedBytes(agentId);
                callerBefore = threads.getThreadAllocatedBytes(callerId);
            }
            for (int i = 0; i < count; i++) {
                values.putFloat(i * Float.BYTES, r + i % 3);
            }
            rank.allReduce(step, values, count);
            for (int i = 0; i < count; i++) {
                if (values.getFloat(i * Float.BYTES) != n * (i % 3) + n * (n - 1) / 2) {
                    wrong++;
                }
            }
        }
        final long callerBytes = threads.getThreadAllocatedBytes(callerId) - callerBefore;
        final long agentBytes = threads.getThreadAllocatedBytes(agentId) - agentBefore;
        return new long[] {wrong, callerBytes, agentBytes};
    }

    private static long agentThreadId(final RingSpec spec) {
        final String name = "cohort-ring-e" + spec.epoch() + "-r" + spec.rank();
        for (final Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals(name)) {
                return thread.getId();
            }
        }
        throw new AssertionError("no agent thread named " + name);
    }

    private static UnsafeBuffer frame(
        final long epoch,
        final long step,
        final int chunk,
        final int offset,
        final int length,
        final int carried,
        final int count) {
        final UnsafeBuffer frame = new UnsafeBuffer(
            ByteBuffer.allocateDirect(FrameHeader.LENGTH + carried * Float.BYTES));
        frame.putInt(FrameHeader.MAGIC_OFFSET, FrameHeader.MAGIC);
        frame.putByte(FrameHeader.PHASE_OFFSET, (byte) 0);
        frame.putByte(FrameHeader.WIRE_OFFSET, (byte) WireFormat.FP32.ordinal());
        frame.putShort(FrameHeader.RING_STEP_OFFSET, (short) 0);
        frame.putLong(FrameHeader.EPOCH_OFFSET, epoch);
        frame.putLong(FrameHeader.STEP_OFFSET, step);
        frame.putInt(FrameHeader.CHUNK_OFFSET, chunk);
        frame.putInt(FrameHeader.VALUE_OFFSET_OFFSET, offset);
        frame.putInt(FrameHeader.LENGTH_OFFSET, length);
        frame.putInt(FrameHeader.COUNT_OFFSET, count);
        for (int i = 0; i < carried; i++) {
            frame.putFloat(FrameHeader.LENGTH + i * Float.BYTES, 1_000_000f);
        }
        return frame;
    }

    private static void awaitConnected(final Publication publication) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!publication.isConnected()) {
            assertTrue(System.nanoTime() < deadline, "injector never connected");
            Thread.sleep(1);
        }
    }

    private static void offer(
        final Publication publication, final UnsafeBuffer frame, final String what) {
        final long result = publication.offer(frame, 0, frame.capacity());
        assertTrue(result > 0, "could not inject the " + what + " frame: " + result);
    }
}
