package io.cohort.coordinator.monitor;

import java.util.Arrays;
import java.util.List;

/**
 * The per-step series of one run in growable primitive columns: a hundred thousand steps take a
 * few megabytes and no per-step objects. Not thread-safe; {@link RunMonitor} guards it.
 */
final class StepHistory {

    private static final int INITIAL_CAPACITY = 1024;

    private int size;
    private long[] step = new long[INITIAL_CAPACITY];
    private double[] loss = new double[INITIAL_CAPACITY];
    private double[] tokensPerS = new double[INITIAL_CAPACITY];
    private double[] stepMs = new double[INITIAL_CAPACITY];
    private double[] computeMs = new double[INITIAL_CAPACITY];
    private double[] allReduceMs = new double[INITIAL_CAPACITY];
    private double computeMsTotal;
    private double allReduceMsTotal;

    int size() {
        return size;
    }

    long lastStep() {
        return size == 0 ? 0 : step[size - 1];
    }

    /**
     * Appends a step. A step at or before the last one means the run went back (it resumed from
     * a checkpoint), so the steps from it on are dropped first.
     */
    void add(StepRecord r) {
        int kept = firstIndexAfter(r.step() - 1);
        if (kept < size) {
            size = kept;
            recomputeTotals();
        }
        if (size == step.length) {
            grow();
        }
        step[size] = r.step();
        loss[size] = r.loss();
        tokensPerS[size] = r.tokensPerS();
        stepMs[size] = r.stepMs();
        computeMs[size] = r.computeMs();
        allReduceMs[size] = r.allReduceMs();
        computeMsTotal += r.computeMs();
        allReduceMsTotal += r.allReduceMs();
        size++;
    }

    /** The steps after {@code since}, at most {@code maxPoints} of them. */
    MetricsWindow window(long since, int maxPoints, List<EvalPoint> evals) {
        int from = firstIndexAfter(since);
        int[] bounds = Downsampler.buckets(from, size, maxPoints);
        return new MetricsWindow(
                lastStep(),
                size - from,
                Downsampler.last(step, bounds),
                Downsampler.mean(loss, bounds),
                Downsampler.mean(tokensPerS, bounds),
                Downsampler.mean(stepMs, bounds),
                Downsampler.mean(computeMs, bounds),
                Downsampler.mean(allReduceMs, bounds),
                evals);
    }

    /** Compute milliseconds summed over every step recorded. */
    double computeMsTotal() {
        return computeMsTotal;
    }

    /** All-reduce milliseconds summed over every step recorded. */
    double allReduceMsTotal() {
        return allReduceMsTotal;
    }

    private void recomputeTotals() {
        computeMsTotal = 0;
        allReduceMsTotal = 0;
        for (int i = 0; i < size; i++) {
            computeMsTotal += computeMs[i];
            allReduceMsTotal += allReduceMs[i];
        }
    }

    private int firstIndexAfter(long since) {
        int found = Arrays.binarySearch(step, 0, size, since);
        return found >= 0 ? found + 1 : -found - 1;
    }

    private void grow() {
        int capacity = step.length * 2;
        step = Arrays.copyOf(step, capacity);
        loss = Arrays.copyOf(loss, capacity);
        tokensPerS = Arrays.copyOf(tokensPerS, capacity);
        stepMs = Arrays.copyOf(stepMs, capacity);
        computeMs = Arrays.copyOf(computeMs, capacity);
        allReduceMs = Arrays.copyOf(allReduceMs, capacity);
    }
}
