package io.cohort.coordinator.dashboard;

/** The dashboard could not be served; the message is one line that says what to do. */
public final class DashboardException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception whose message is {@code message}. */
    public DashboardException(String message, Throwable cause) {
        super(message, cause);
    }
}
