package io.cohort.coordinator;

import io.cohort.coordinator.monitor.StepRecord;
import io.cohort.coordinator.monitor.WorkerInfo;
import java.nio.file.Path;

/**
 * What a run tells the outside world as it goes: the metrics log, the dashboard's store and the
 * progress display each listen. Called on the coordinator's thread, in order; a listener must
 * not block.
 */
public interface RunListener {

    default void forming(int workersExpected) {
    }

    default void workerChanged(WorkerInfo worker) {
    }

    default void training(long fromStep, long totalSteps, long parameterCount) {
    }

    /** A step every worker completed. */
    default void stepCompleted(StepRecord step) {
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
