package io.cohort.worker.collective;

/**
 * An all-reduce that did not complete; the ring it ran on can no longer be used and a new ring
 * (a new epoch) has to be formed.
 */
public class AllReduceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long epoch;
    private final long step;

    /**
     * Creates the exception.
     *
     * @param message the whole message: what failed and where.
     * @param epoch   the ring epoch.
     * @param step    the caller's step of the all-reduce.
     */
    public AllReduceException(final String message, final long epoch, final long step) {
        super(message);
        this.epoch = epoch;
        this.step = step;
    }

    /**
     * The ring epoch the all-reduce ran in.
     *
     * @return the epoch.
     */
    public long epoch() {
        return epoch;
    }

    /**
     * The caller's step of the all-reduce that failed.
     *
     * @return the step.
     */
    public long step() {
        return step;
    }
}
