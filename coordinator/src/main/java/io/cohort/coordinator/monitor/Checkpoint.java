package io.cohort.coordinator.monitor;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A checkpoint the run wrote.
 *
 * @param step  the step it holds
 * @param path  where it was written
 * @param time  when it was reported
 */
public record Checkpoint(long step, Path path, Instant time) {
}
