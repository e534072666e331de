package io.cohort.model;

/**
 * A checkpoint that cannot be written, read or used: missing, truncated, corrupt, of an unknown
 * format version, or made for a different model. The message is one line that names the file
 * and the problem.
 */
public class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message}. */
    public CheckpointException(String message) {
        super(message);
    }

    /** A problem described by {@code message}, caused by {@code cause}. */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
