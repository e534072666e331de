package io.cohort.coordinator.monitor;

import java.util.List;

/**
 * One completed training step, as recorded by the coordinator once every worker replied.
 *
 * @param step          the step number, counted from 1
 * @param loss          the mean training loss over the global batch
 * @param tokens        tokens processed in this step, summed over workers
 * @param tokensPerS    tokens per second for the step as a whole
 * @param stepMs        wall time of the step in milliseconds
 * @param computeMs     compute time in milliseconds (the slowest worker's)
 * @param allReduceMs   all-reduce time in milliseconds (the slowest worker's)
 * @param workers       the number of workers that took part
 * @param learningRate  the learning rate used
 * @param perWorker     each worker's share; may be empty
 */
public record StepRecord(
        long step,
        double loss,
        long tokens,
        double tokensPerS,
        double stepMs,
        double computeMs,
        double allReduceMs,
        int workers,
        double learningRate,
        List<WorkerStep> perWorker) {

    /** Keeps an immutable copy of the per-worker shares. */
    public StepRecord {
        perWorker = perWorker == null ? List.of() : List.copyOf(perWorker);
    }
}
