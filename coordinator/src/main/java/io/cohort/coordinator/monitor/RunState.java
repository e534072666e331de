package io.cohort.coordinator.monitor;

/** What a run is doing, as shown on the dashboard and in {@code /api/run}. */
public enum RunState {
    /** Workers are joining and the ring is being formed. */
    FORMING,
    /** Steps are running. */
    TRAINING,
    /** The validation loss is being measured. */
    EVALUATING,
    /** A checkpoint is being written. */
    CHECKPOINTING,
    /** Paused by a control; no steps run until resumed. */
    PAUSED,
    /** Ended normally, or stopped by a control. */
    FINISHED,
    /** Ended by an error. */
    FAILED;

    /** Whether the run has ended, so that its clock stops. */
    public boolean isTerminal() {
        return this == FINISHED || this == FAILED;
    }
}
