package io.cohort.coordinator.monitor;

/**
 * One worker's share of one step.
 *
 * @param rank          the worker's rank in the ring
 * @param computeMs     forward, backward and optimizer time in milliseconds
 * @param allReduceMs   gradient all-reduce time in milliseconds
 * @param tokensPerS    tokens this worker processed per second of the step
 * @param busbwGbs      all-reduce bus bandwidth in GB/s
 */
public record WorkerStep(
        int rank, double computeMs, double allReduceMs, double tokensPerS, double busbwGbs) {
}
