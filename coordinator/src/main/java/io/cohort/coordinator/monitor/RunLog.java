package io.cohort.coordinator.monitor;

import java.util.List;

/**
 * A run as read back from its {@code metrics.jsonl}.
 *
 * @param steps        every step, in file order
 * @param evals        every evaluation
 * @param samples      every text sample
 * @param checkpoints  every checkpoint written
 * @param finished     how the run ended, or null when the file has no end line
 */
public record RunLog(
        List<StepRecord> steps,
        List<EvalPoint> evals,
        List<Sample> samples,
        List<Checkpoint> checkpoints,
        Finished finished) {

    /**
     * The last line of a run that ended.
     *
     * @param step            the last step completed
     * @param status          {@code finished}, {@code failed} or {@code stopped}
     * @param elapsedSeconds  wall time of the whole run in seconds
     */
    public record Finished(long step, String status, double elapsedSeconds) {
    }
}
