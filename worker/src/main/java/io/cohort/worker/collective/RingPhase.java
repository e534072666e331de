package io.cohort.worker.collective;

/**
 * The two halves of a ring all-reduce.
 */
public enum RingPhase {
    /** Each rank ends with the full sum of one chunk. */
    REDUCE_SCATTER("reduce-scatter"),

    /** The summed chunks travel around the ring until every rank holds all of them. */
    ALL_GATHER("all-gather");

    private final String label;

    RingPhase(final String label) {
        this.label = label;
    }

    /**
     * The name used in messages.
     *
     * @return e.g. {@code reduce-scatter}.
     */
    public String label() {
        return label;
    }
}
