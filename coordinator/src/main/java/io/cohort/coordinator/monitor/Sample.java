package io.cohort.coordinator.monitor;

import java.time.Instant;

/**
 * A text sample the model generated during the run.
 *
 * @param step  the step after which it was generated
 * @param text  the generated text
 * @param time  when it was reported
 */
public record Sample(long step, String text, Instant time) {
}
