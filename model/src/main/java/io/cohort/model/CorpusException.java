package io.cohort.model;

/**
 * A training text that cannot be used: missing, empty, not UTF-8, or too short. The message is
 * one line that names the text, the problem and what to do about it.
 */
public class CorpusException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message}. */
    public CorpusException(String message) {
        super(message);
    }

    /** A problem described by {@code message}, caused by {@code cause}. */
    public CorpusException(String message, Throwable cause) {
        super(message, cause);
    }
}
