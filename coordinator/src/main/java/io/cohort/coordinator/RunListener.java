package io.cohort.coordinator;

import java.nio.file.Path;
import java.util.List;

/**
 * What a run tells the outside world as it goes: the metrics log, the dashboard's store and the
 * progress display each listen. Called on the coordinator's thread, in order; a listener must
 * not block.
 */
public interface RunListener {

    /** One worker's share of a step. */
    record WorkerStepTimes(int rank, double computeMs, double allReduceMs, double optimizerMs,
            double tokensPerS, double busbwGbs) {
    }

    /** A step every worker completed. */
    record StepSummary(long step, double loss, long tokens, double tokensPerS, double stepMs,
            double computeMs, double allReduceMs, double optimizerMs, int workers,
            double learningRate, double gradNorm, List<WorkerStepTimes> perWorker) {
    }

    /** A worker as the coordinator sees it. */
    record WorkerView(int rank, String host, String device, String state, long lastStep,
            long pid) {
    }

    default void forming(int workersExpected) {
    }

    default void workerChanged(WorkerView worker) {
    }

    default void training(long fromStep, long totalSteps, long parameterCount) {
    }

    default void stepCompleted(StepSummary step) {
    }

    default void evaluating(long step) {
    }

    default void evaluated(long step, double trainLoss, double validationLoss) {
    }

    default void sampled(long step, String text) {
    }

    default void checkpointing(long step) {
    }

    default void checkpointed(long step, Path file) {
    }

    default void paused(boolean paused) {
    }

    /** The run ended: {@code status} is finished, stopped or failed. */
    default void ended(RunOutcome outcome) {
    }
}
