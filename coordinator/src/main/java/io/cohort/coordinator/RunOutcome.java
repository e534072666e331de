package io.cohort.coordinator;

import java.nio.file.Path;

/**
 * How a run ended.
 *
 * @param status     finished, stopped or failed
 * @param lastStep   the last step every worker completed
 * @param message    one line for the user: what happened, and where to look
 * @param checkpoint the last checkpoint written, or {@code null}
 */
public record RunOutcome(Status status, long lastStep, String message, Path checkpoint) {

    /** The ways a run ends. */
    public enum Status {
        FINISHED(0),
        STOPPED(0),
        FAILED(3);

        private final int exitCode;

        Status(int exitCode) {
            this.exitCode = exitCode;
        }

        /** The process exit code a run ending this way gives. */
        public int exitCode() {
            return exitCode;
        }
    }
}
