package io.cohort.coordinator.monitor;

/**
 * Reduces a long series to a bounded number of points by averaging buckets of neighbours.
 *
 * <p>The first and the last point are kept as they are, each in a bucket of its own; the points
 * between are split into {@code maxPoints - 2} buckets of nearly equal size. A bucket stands at
 * the step of its last point, so that a reader that asks for steps after the last one it got
 * misses nothing.
 */
public final class Downsampler {

    /** The fewest points a downsampled series may have: its first and its last. */
    public static final int MIN_POINTS = 2;

    private Downsampler() {
    }

    /**
     * Bucket bounds for the points {@code [from, to)}.
     *
     * @return {@code b} with bucket {@code i} spanning {@code [b[i], b[i + 1])}; one bucket per
     *     point when there are at most {@code maxPoints}
     */
    public static int[] buckets(int from, int to, int maxPoints) {
        if (maxPoints < MIN_POINTS) {
            throw new IllegalArgumentException(
                    "maxPoints must be at least " + MIN_POINTS + " but was " + maxPoints);
        }
        int count = Math.max(0, to - from);
        if (count <= maxPoints) {
            int[] bounds = new int[count + 1];
            for (int i = 0; i <= count; i++) {
                bounds[i] = from + i;
            }
            return bounds;
        }
        return interiorBuckets(from, to, maxPoints);
    }

    private static int[] interiorBuckets(int from, int to, int maxPoints) {
        int interior = to - from - 2;
        int interiorBuckets = maxPoints - 2;
        int[] bounds = new int[maxPoints + 1];
        bounds[0] = from;
        for (int i = 0; i <= interiorBuckets; i++) {
            bounds[i + 1] = from + 1 + (int) ((long) interior * i / interiorBuckets);
        }
        bounds[maxPoints] = to;
        return bounds;
    }

    /** The mean of {@code values} over each bucket. */
    public static double[] mean(double[] values, int[] bounds) {
        double[] out = new double[bounds.length - 1];
        for (int i = 0; i < out.length; i++) {
            double sum = 0;
            for (int j = bounds[i]; j < bounds[i + 1]; j++) {
                sum += values[j];
            }
            out[i] = sum / (bounds[i + 1] - bounds[i]);
        }
        return out;
    }

    /** The last value of each bucket; used for step numbers. */
    public static long[] last(long[] values, int[] bounds) {
        long[] out = new long[bounds.length - 1];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[bounds[i + 1] - 1];
        }
        return out;
    }
}
