package io.cohort.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ring all-reduces whose ranks are threads of this JVM, over a real media driver.
 */
class RingAllReduceTest {
    private static final int SIXTEEN_MI = 16 * 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {1, 2, 3, 4, 8})
    @Timeout(120)
    void shouldSumExactlyOverIpcWhenRanksAre(final int n) throws Exception {
        sumExactly("ipc", n, n == 2);
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {1, 2, 3, 4, 8})
    @Timeout(120)
    void shouldSumExactlyOverUdpWhenRanksAre(final int n) throws Exception {
        sumExactly("udp", n, n == 3);
    }

    @Test
    @Timeout(60)
    void shouldLeaveBitIdenticalResultsOnEveryRankWhenValuesAreRandomFp32() throws Exception {
        final int n = 4;
        final int count = 100_003;
        try (RingHarness harness = new RingHarness(dir, RingHarness.testSettings(TIMEOUT))) {
            final List<RingAllReduce> ring = harness.create(RingHarness.specs("ipc", 1, n), count);
            final UnsafeBuffer[] buffers = RingHarness.buffers(n, count);
            final float[][] inputs = randomInputs(buffers, count, 42);

            harness.allReduceOrFail(ring, 1, buffers, count);

            assertBitIdentical(buffers, count);
            assertNear(buffers[0], inputs, count, 1e-5);
        }
    }

    @Test
    @Timeout(60)
    void shouldLeaveBitIdenticalResultsAndHalveBytesWhenWireIsBf16() throws Exception {
        final int n = 3;
        final int count = 100_003;
        final CollectiveSettings fp32 = RingHarness.testSettings(TIMEOUT);
        try (RingHarness harness = new RingHarness(dir, fp32)) {
            final UnsafeBuffer[] buffers = RingHarness.buffers(n, count);
            final List<RingAllReduce> fp32Ring =
                harness.create(RingHarness.specs("ipc", 1, n), count);
            randomInputs(buffers, count, 7);
            harness.allReduceOrFail(fp32Ring, 1, buffers, count);
            final long fp32Bytes = fp32Ring.get(0).counters().bytesSent();

            final List<RingAllReduce> bf16Ring = harness.create(RingHarness.specs("ipc", 2, n),
                fp32.withWireFormat(WireFormat.BF16), count);
            final float[][] inputs = randomInputs(buffers, count, 7);
            harness.allReduceOrFail(bf16Ring, 1, buffers, count);

            assertBitIdentical(buffers, count);
            // n roundings to bf16 (8 significant bits), each off by at most 2^-8 of the
            // magnitude of the partial sum it rounds.
            assertNear(buffers[1], inputs, count, n * Math.scalb(1.0, -8) + 1e-6);
            final long bf16Bytes = bf16Ring.get(0).counters().bytesSent();
            assertTrue(bf16Bytes < 0.55 * fp32Bytes,
                "bf16 sent " + bf16Bytes + " bytes, fp32 " + fp32Bytes);
        }
    }

    @Test
    @Timeout(60)
    void shouldFailWithAbortedWhenAbortedFromAnotherThread() throws Exception {
        try (RingHarness harness = new RingHarness(dir, RingHarness.testSettings(TIMEOUT))) {
            final List<RingAllReduce> ring = harness.create(RingHarness.specs("ipc", 3, 2), 10);
            final UnsafeBuffer[] buffers = RingHarness.buffers(2, 10);
            final long start = System.nanoTime();
            final var lonely = harness.submit(() -> ring.get(0).allReduce(1, buffers[0], 10));

            Thread.sleep(300);
            ring.get(0).abort("worker 1 left the cluster");
            final Throwable outcome = RingHarness.outcome(lonely);

            assertInstanceOf(AllReduceAbortedException.class, outcome);
            assertTrue(outcome.getMessage().contains("worker 1 left the cluster"),
                outcome.getMessage());
            assertTrue(outcome.getMessage().contains("epoch 3"), outcome.getMessage());
            assertTrue(System.nanoTime() - start < TIMEOUT.toNanos() / 3,
                "abort took as long as a timeout");
            final Throwable later = RingHarness.outcome(
                harness.submit(() -> ring.get(0).allReduce(2, buffers[0], 10)));
            assertInstanceOf(AllReduceAbortedException.class, later);
        }
    }

    private void sumExactly(final String transport, final int n, final boolean sixteenMi)
        throws Exception {
        final TreeSet<Integer> sizes = new TreeSet<>(List.of(1, n + 1, 1_000_003));
        if (n > 1) {
            sizes.add(n - 1);
        }
        if (sixteenMi) {
            sizes.add(SIXTEEN_MI);
        }
        try (RingHarness harness = new RingHarness(dir, RingHarness.testSettings(TIMEOUT))) {
            final List<RingAllReduce> ring =
                harness.create(RingHarness.specs(transport, 1, n), sizes.last());
            final UnsafeBuffer[] buffers = RingHarness.buffers(n, sizes.last());
            long step = 0;
            for (final int count : sizes) {
                fillSmallIntegers(buffers, count);
                harness.allReduceOrFail(ring, ++step, buffers, count);
                for (int r = 0; r < n; r++) {
                    assertSmallIntegerSum(buffers[r], count, n, r);
                }
            }
        }
    }

    /** Small integers, so that every float sum is exact whatever the order. */
    static float smallInteger(final int rank, final int index) {
        return (index * 31L + rank * 7L) % 11 - 5;
    }

    static void fillSmallIntegers(final UnsafeBuffer[] buffers, final int count) {
        for (int r = 0; r < buffers.length; r++) {
            for (int i = 0; i < count; i++) {
                buffers[r].putFloat(i * Float.BYTES, smallInteger(r, i));
            }
        }
    }

    static void assertSmallIntegerSum(
        final UnsafeBuffer buffer, final int count, final int n, final int rank) {
        for (int i = 0; i < count; i++) {
            float expected = 0;
            for (int r = 0; r < n; r++) {
                expected += smallInteger(r, i);
            }
            final float actual = buffer.getFloat(i * Float.BYTES);
            if (actual != expected) {
                assertEquals(expected, actual, "rank " + rank + " of " + n + ", value " + i
                    + " of " + count);
            }
        }
    }

    private static float[][] randomInputs(
        final UnsafeBuffer[] buffers, final int count, final long seed) {
        final Random random = new Random(seed);
        final float[][] inputs = new float[buffers.length][count];
        for (int r = 0; r < buffers.length; r++) {
            for (int i = 0; i < count; i++) {
                inputs[r][i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(5)));
                buffers[r].putFloat(i * Float.BYTES, inputs[r][i]);
            }
        }
        return inputs;
    }

    private static void assertBitIdentical(final UnsafeBuffer[] buffers, final int count) {
        for (int r = 1; r < buffers.length; r++) {
            for (int i = 0; i < count; i++) {
                final int expected = buffers[0].getInt(i * Float.BYTES);
                final int actual = buffers[r].getInt(i * Float.BYTES);
                if (expected != actual) {
                    assertEquals(Integer.toHexString(expected), Integer.toHexString(actual),
                        "bits of value " + i + " on rank " + r + " differ from rank 0");
                }
            }
        }
    }

    private static void assertNear(
        final UnsafeBuffer result, final float[][] inputs, final int count, final double rel) {
        for (int i = 0; i < count; i++) {
            double sum = 0;
            double magnitude = 0;
            for (final float[] input : inputs) {
                sum += input[i];
                magnitude += Math.abs(input[i]);
            }
            final double actual = result.getFloat(i * Float.BYTES);
            if (Math.abs(actual - sum) > rel * magnitude) {
                assertEquals(sum, actual, rel * magnitude, "value " + i);
            }
        }
    }
}
