package io.cohort.coordinator.monitor;

import java.time.Duration;
import java.util.List;

/**
 * The run as a whole at one moment.
 *
 * @param info               what the run is; null before it started
 * @param state              what it is doing
 * @param detail             why it failed, or null
 * @param step               the last step completed, 0 before the first
 * @param latest             the last step's record, or null before the first
 * @param elapsed            time since the run started, stopped when it ended
 * @param eta                the estimated time to the last step, or null when unknown
 * @param totalTokens        tokens processed over the whole run
 * @param computeMsTotal     compute milliseconds summed over all steps
 * @param allReduceMsTotal   all-reduce milliseconds summed over all steps
 * @param lastEval           the latest evaluation, or null
 * @param sample             the latest text sample, or null
 * @param checkpoints        the checkpoints written, oldest first
 */
public record RunSnapshot(
        RunInfo info,
        RunState state,
        String detail,
        long step,
        StepRecord latest,
        Duration elapsed,
        Duration eta,
        long totalTokens,
        double computeMsTotal,
        double allReduceMsTotal,
        EvalPoint lastEval,
        Sample sample,
        List<Checkpoint> checkpoints) {
}
