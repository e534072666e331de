package io.cohort.worker.collective;

import java.util.Objects;

/**
 * Where one rank of a ring receives: its left neighbour publishes to this channel and stream.
 *
 * @param rank     the rank, 0..N-1.
 * @param channel  an Aeron channel, e.g. {@code aeron:ipc} or
 *                 {@code aeron:udp?endpoint=10.0.0.2:40100}.
 * @param streamId the Aeron stream id.
 */
public record RingMember(int rank, String channel, int streamId) {

    /**
     * Checks the member.
     *
     * @throws IllegalArgumentException when the rank is negative or the channel is not Aeron's.
     */
    public RingMember {
        Objects.requireNonNull(channel, "channel");
        if (rank < 0) {
            throw new IllegalArgumentException("ring member rank " + rank + " must be >= 0");
        }
        if (!channel.startsWith("aeron:")) {
            throw new IllegalArgumentException(
                "ring member channel '" + channel + "' must be an Aeron channel (aeron:ipc or "
                    + "aeron:udp?endpoint=host:port)");
        }
    }
}
