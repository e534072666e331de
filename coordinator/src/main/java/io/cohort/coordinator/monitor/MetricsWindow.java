package io.cohort.coordinator.monitor;

import java.util.List;

/**
 * Per-step metrics after some step, downsampled to a bounded number of points, and every
 * evaluation after that step. The step arrays are parallel: index {@code i} of each belongs to
 * {@code step[i]}; when downsampled, each value is the mean over its bucket.
 *
 * @param lastStep        the last step recorded in the run, downsampled or not
 * @param matchedPoints   how many steps were after {@code since} before downsampling
 * @param step            the step of each point
 * @param loss            train loss
 * @param tokensPerS      tokens per second
 * @param stepMs          step wall time in milliseconds
 * @param computeMs       compute time in milliseconds
 * @param allReduceMs     all-reduce time in milliseconds
 * @param evals           every evaluation after {@code since}
 */
public record MetricsWindow(
        long lastStep,
        int matchedPoints,
        long[] step,
        double[] loss,
        double[] tokensPerS,
        double[] stepMs,
        double[] computeMs,
        double[] allReduceMs,
        List<EvalPoint> evals) {

    /** The number of points returned. */
    public int size() {
        return step.length;
    }
}
