package io.cohort.worker.collective;

/**
 * An all-reduce stopped by {@link RingAllReduce#abort(String)}, or asked of a ring that has
 * already failed.
 */
public final class AllReduceAbortedException extends AllReduceException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the whole message, with the reason.
     * @param epoch   the ring epoch.
     * @param step    the caller's step.
     */
    public AllReduceAbortedException(final String message, final long epoch, final long step) {
        super(message, epoch, step);
    }
}
