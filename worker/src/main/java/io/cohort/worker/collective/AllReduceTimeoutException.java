package io.cohort.worker.collective;

/**
 * An all-reduce that did not complete within the timeout: a peer died or stopped sending.
 */
public final class AllReduceTimeoutException extends AllReduceException {
    private static final long serialVersionUID = 1L;

    private final RingPhase phase;
    private final int ringStep;
    private final int waitingForRank;

    /**
     * Creates the exception.
     *
     * @param message        the whole message.
     * @param epoch          the ring epoch.
     * @param step           the caller's step.
     * @param phase          the phase the rank was in.
     * @param ringStep       the step within the phase, 0..N-2.
     * @param waitingForRank the rank whose frames (or whose room to receive) never came.
     */
    public AllReduceTimeoutException(
        final String message,
        final long epoch,
        final long step,
        final RingPhase phase,
        final int ringStep,
        final int waitingForRank) {
        super(message, epoch, step);
        this.phase = phase;
        this.ringStep = ringStep;
        this.waitingForRank = waitingForRank;
    }

    /**
     * The phase the rank was in when time ran out.
     *
     * @return the phase.
     */
    public RingPhase phase() {
        return phase;
    }

    /**
     * The step within the phase when time ran out.
     *
     * @return 0..N-2.
     */
    public int ringStep() {
        return ringStep;
    }

    /**
     * The rank that was waited for.
     *
     * @return the rank.
     */
    public int waitingForRank() {
        return waitingForRank;
    }
}
