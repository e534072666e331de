package io.cohort.coordinator.monitor;

/**
 * The controls the dashboard offers over a running training run. The coordinator implements
 * it; each call only asks, and returns at once.
 */
public interface RunControl {

    /** Asks the run to pause after the step in flight. */
    void pause();

    /** Asks a paused run to go on. */
    void resume();

    /** Asks for a checkpoint after the step in flight. */
    void checkpointNow();

    /** Asks the run to stop after writing a checkpoint. */
    void stop();
}
