package io.cohort.coordinator.monitor;

import java.time.Instant;

/**
 * One log event kept for the dashboard.
 *
 * @param sequence  a number that grows by one per line, so a reader can ask for newer lines
 * @param time      when it was logged
 * @param level     the level, such as {@code INFO} or {@code ERROR}
 * @param logger    the logger's name
 * @param message   the formatted message
 */
public record LogLine(long sequence, Instant time, String level, String logger, String message) {
}
