package io.cohort.worker.collective;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One rank's view of a ring: which epoch, which rank it is, and where every rank receives.
 * Rank {@code r} publishes to member {@code (r + 1) % N} and subscribes to its own member.
 *
 * @param epoch     the ring's epoch; it changes whenever the ring is formed again.
 * @param rank      this rank, 0..N-1.
 * @param worldSize N, the number of ranks.
 * @param members   where each rank receives, in rank order.
 */
public record RingSpec(long epoch, int rank, int worldSize, List<RingMember> members) {

    /** Most ranks one ring may have. */
    public static final int MAX_WORLD_SIZE = 4096;

    private static final int EPOCH_SLOTS = 1 << 16;

    /**
     * Checks the ring.
     *
     * @throws IllegalArgumentException naming what does not fit.
     */
    public RingSpec {
        if (worldSize < 1 || worldSize > MAX_WORLD_SIZE) {
            throw new IllegalArgumentException(
                "ring world size " + worldSize + " must be in 1.." + MAX_WORLD_SIZE);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException(
                "rank " + rank + " must be in 0.." + (worldSize - 1));
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("ring epoch " + epoch + " must be >= 0");
        }
        members = List.copyOf(Objects.requireNonNull(members, "members"));
        if (members.size() != worldSize) {
            throw new IllegalArgumentException("ring of " + worldSize + " ranks has "
                + members.size() + " members; give one member per rank");
        }
        for (int i = 0; i < worldSize; i++) {
            if (members.get(i).rank() != i) {
                throw new IllegalArgumentException("ring member " + i + " has rank "
                    + members.get(i).rank() + "; list the members in rank order");
            }
        }
    }

    /**
     * A ring whose ranks share one media driver on one host. Each rank receives on
     * {@code aeron:ipc} on its own stream, which also depends on the epoch, so that a new ring
     * never receives an old ring's frames.
     *
     * @param epoch        the ring's epoch.
     * @param rank         this rank.
     * @param worldSize    the number of ranks.
     * @param baseStreamId the first stream id the ring may use; it uses stream ids from
     *                     {@code baseStreamId} up to {@code baseStreamId + 2^28}.
     * @return the ring.
     */
    public static RingSpec ipc(
        final long epoch, final int rank, final int worldSize, final int baseStreamId) {
        final List<RingMember> members = new ArrayList<>(worldSize);
        for (int r = 0; r < worldSize; r++) {
            members.add(new RingMember(r, "aeron:ipc", streamId(baseStreamId, epoch, r)));
        }
        return new RingSpec(epoch, rank, worldSize, members);
    }

    /**
     * A ring over UDP: rank {@code r} receives on {@code endpoints.get(r)}, which is the
     * {@code host:port} its peers can reach it at.
     *
     * @param epoch        the ring's epoch.
     * @param rank         this rank.
     * @param endpoints    one {@code host:port} per rank, in rank order.
     * @param baseStreamId the first stream id the ring may use (see {@link #ipc}).
     * @return the ring.
     */
    public static RingSpec udp(
        final long epoch, final int rank, final List<String> endpoints, final int baseStreamId) {
        final List<RingMember> members = new ArrayList<>(endpoints.size());
        for (int r = 0; r < endpoints.size(); r++) {
            final String endpoint = endpoints.get(r);
            if (endpoint.lastIndexOf(':') <= 0) {
                throw new IllegalArgumentException(
                    "endpoint '" + endpoint + "' of rank " + r + " must be host:port");
            }
            members.add(new RingMember(
                r, "aeron:udp?endpoint=" + endpoint, streamId(baseStreamId, epoch, r)));
        }
        return new RingSpec(epoch, rank, endpoints.size(), members);
    }

    /**
     * Where this rank receives.
     *
     * @return this rank's member.
     */
    public RingMember self() {
        return members.get(rank);
    }

    /**
     * Where this rank sends: the member of rank {@code (rank + 1) % N}.
     *
     * @return the right neighbour's member.
     */
    public RingMember next() {
        return members.get((rank + 1) % worldSize);
    }

    /**
     * The rank this one receives from.
     *
     * @return {@code (rank - 1) mod N}.
     */
    public int previousRank() {
        return (rank + worldSize - 1) % worldSize;
    }

    private static int streamId(final int baseStreamId, final long epoch, final int rank) {
        final long id = baseStreamId + Math.floorMod(epoch, EPOCH_SLOTS) * (long) MAX_WORLD_SIZE
            + rank;
        if (baseStreamId < 0 || id > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("base stream id " + baseStreamId
                + " leaves no room for the ring's streams; use 0.." + (Integer.MAX_VALUE
                - (long) EPOCH_SLOTS * MAX_WORLD_SIZE));
        }
        return (int) id;
    }
}
