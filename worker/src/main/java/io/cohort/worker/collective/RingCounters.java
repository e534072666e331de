package io.cohort.worker.collective;

import io.aeron.Aeron;
import io.aeron.Counter;
import org.agrona.CloseHelper;

/**
 * Counters of one ring rank, kept in the media driver's counters file (so that Aeron's
 * {@code AeronStat} shows them too) and written only by the ring's agent thread.
 */
public final class RingCounters implements AutoCloseable {
    /** Counter type id of frames dropped because they belong to another epoch or step. */
    public static final int STALE_FRAMES_TYPE_ID = 3101;
    /** Counter type id of frames dropped because they are too short or do not add up. */
    public static final int MALFORMED_FRAMES_TYPE_ID = 3102;
    /** Counter type id of payload and header bytes sent. */
    public static final int BYTES_SENT_TYPE_ID = 3103;
    /** Counter type id of all-reduces completed. */
    public static final int ALL_REDUCES_TYPE_ID = 3104;
    /** Counter type id of the duration of the last completed all-reduce in nanoseconds. */
    public static final int LAST_ALL_REDUCE_NS_TYPE_ID = 3105;

    final Counter staleFrames;
    final Counter malformedFrames;
    final Counter bytesSent;
    final Counter allReduces;
    final Counter lastAllReduceNs;

    RingCounters(final Aeron aeron, final long epoch, final int rank) {
        final String suffix = ": epoch=" + epoch + " rank=" + rank;
        staleFrames = aeron.addCounter(STALE_FRAMES_TYPE_ID, "cohort stale frames" + suffix);
        malformedFrames = aeron.addCounter(
            MALFORMED_FRAMES_TYPE_ID, "cohort malformed frames" + suffix);
        bytesSent = aeron.addCounter(BYTES_SENT_TYPE_ID, "cohort bytes sent" + suffix);
        allReduces = aeron.addCounter(ALL_REDUCES_TYPE_ID, "cohort all-reduces" + suffix);
        lastAllReduceNs = aeron.addCounter(
            LAST_ALL_REDUCE_NS_TYPE_ID, "cohort last all-reduce ns" + suffix);
    }

    /**
     * Frames dropped because they came from another epoch or an earlier step.
     *
     * @return the count so far.
     */
    public long staleFramesDropped() {
        return staleFrames.get();
    }

    /**
     * Frames dropped because they were too short or their header did not add up.
     *
     * @return the count so far.
     */
    public long malformedFramesDropped() {
        return malformedFrames.get();
    }

    /**
     * Bytes this rank has sent, frame headers included.
     *
     * @return the count so far.
     */
    public long bytesSent() {
        return bytesSent.get();
    }

    /**
     * All-reduces this rank has completed.
     *
     * @return the count so far.
     */
    public long allReducesCompleted() {
        return allReduces.get();
    }

    /**
     * How long the last completed all-reduce took on this rank's agent thread.
     *
     * @return nanoseconds, or 0 before the first.
     */
    public long lastAllReduceNs() {
        return lastAllReduceNs.get();
    }

    @Override
    public void close() {
        CloseHelper.closeAll(staleFrames, malformedFrames, bytesSent, allReduces, lastAllReduceNs);
    }
}
