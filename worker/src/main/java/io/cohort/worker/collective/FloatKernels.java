package io.cohort.worker.collective;

import org.agrona.UnsafeApi;

/**
 * The loops of the all-reduce over raw memory: the caller checks the bounds once per frame, so
 * the loops run without a check per value. Each memory region is given as a base object (null
 * for off-heap memory) and an address or offset, as {@code DirectBuffer.byteArray()} and
 * {@code DirectBuffer.addressOffset()} give them. fp32 values are in native byte order; bf16
 * values are the upper halves of fp32s, two bytes each.
 *
 * <p>Note: the bf16 loops run one value at a time, so over IPC bf16 costs more CPU than the
 * fp32 path, whose copies are bulk copies; bf16 pays off only on links slower than memory (UDP
 * between hosts).
 */
final class FloatKernels {
    private FloatKernels() {
    }

    /** {@code local[i] += in[i]} over fp32 values. */
    static void addFp32(
        final Object localBase, final long local,
        final Object inBase, final long in,
        final int values) {
        for (int i = 0; i < values; i++) {
            final long at = local + ((long) i << 2);
            final float sum = UnsafeApi.getFloat(localBase, at)
                + UnsafeApi.getFloat(inBase, in + ((long) i << 2));
            UnsafeApi.putFloat(localBase, at, sum);
        }
    }

    /** {@code out[i] = local[i] + in[i]}, and also {@code local[i] = out[i]} when asked. */
    static void addFp32To(
        final Object localBase, final long local,
        final Object inBase, final long in,
        final Object outBase, final long out,
        final int values,
        final boolean keepLocal) {
        for (int i = 0; i < values; i++) {
            final long offset = (long) i << 2;
            final float sum = UnsafeApi.getFloat(localBase, local + offset)
                + UnsafeApi.getFloat(inBase, in + offset);
            UnsafeApi.putFloat(outBase, out + offset, sum);
            if (keepLocal) {
                UnsafeApi.putFloat(localBase, local + offset, sum);
            }
        }
    }

    /**
     * {@code local[i] += widen(in[i])} with bf16 {@code in}; the sum is rounded to bf16 when
     * {@code round}.
     */
    static void addBf16(
        final Object localBase, final long local,
        final Object inBase, final long in,
        final int values,
        final boolean round) {
        for (int i = 0; i < values; i++) {
            final long at = local + ((long) i << 2);
            final float sum = UnsafeApi.getFloat(localBase, at)
                + Bf16.toFloat(UnsafeApi.getShort(inBase, in + ((long) i << 1)));
            UnsafeApi.putFloat(localBase, at, round ? Bf16.round(sum) : sum);
        }
    }

    /**
     * {@code out[i] = bf16(local[i] + widen(in[i]))}, and also {@code local[i]} = the rounded
     * sum when asked.
     */
    static void addBf16To(
        final Object localBase, final long local,
        final Object inBase, final long in,
        final Object outBase, final long out,
        final int values,
        final boolean keepLocal) {
        for (int i = 0; i < values; i++) {
            final long at = local + ((long) i << 2);
            final short sum = Bf16.fromFloat(UnsafeApi.getFloat(localBase, at)
                + Bf16.toFloat(UnsafeApi.getShort(inBase, in + ((long) i << 1))));
            UnsafeApi.putShort(outBase, out + ((long) i << 1), sum);
            if (keepLocal) {
                UnsafeApi.putFloat(localBase, at, Bf16.toFloat(sum));
            }
        }
    }

    /** {@code local[i] = widen(in[i])} with bf16 {@code in}. */
    static void widenBf16(
        final Object localBase, final long local,
        final Object inBase, final long in,
        final int values) {
        for (int i = 0; i < values; i++) {
            final float value = Bf16.toFloat(UnsafeApi.getShort(inBase, in + ((long) i << 1)));
            UnsafeApi.putFloat(localBase, local + ((long) i << 2), value);
        }
    }

    /** {@code out[i] = bf16(local[i])}, rounded to nearest even. */
    static void narrowBf16(
        final Object localBase, final long local,
        final Object outBase, final long out,
        final int values) {
        for (int i = 0; i < values; i++) {
            final float value = UnsafeApi.getFloat(localBase, local + ((long) i << 2));
            UnsafeApi.putShort(outBase, out + ((long) i << 1), Bf16.fromFloat(value));
        }
    }

    /** Copies {@code bytes} bytes. */
    static void copy(
        final Object fromBase, final long from,
        final Object toBase, final long to,
        final int bytes) {
        UnsafeApi.copyMemory(fromBase, from, toBase, to, bytes);
    }
}
