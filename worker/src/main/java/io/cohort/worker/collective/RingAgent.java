package io.cohort.worker.collective;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.BufferClaim;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import java.util.concurrent.locks.LockSupport;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AtomicBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The polling side of one rank of a ring all-reduce; it runs on its own thread.
 *
 * <p>One all-reduce is {@code 2(N-1)} chunk transfers in each direction. Transfer {@code k}
 * received from the left neighbour is the chunk this rank sends as transfer {@code k + 1}, so
 * every received frame, once summed (reduce-scatter) or copied (all-gather), can be forwarded
 * at once: data flows around the ring frame by frame, not chunk by chunk. The frames of
 * different transfers may interleave on the wire (this rank's own chunk, transfer 0, need not be
 * sent in full before forwarding starts); within one transfer they are in order, and each
 * transfer has its own cursor on both sides. When the publication has room, a received frame is
 * summed straight into the claimed outgoing frame in one pass; otherwise the sum goes into the
 * caller's buffer and is sent from there later.
 *
 * <p>Each chunk's final sum is computed once, by the rank that receives it in the last
 * reduce-scatter step (and rounded there when the wire is bf16); every other rank copies it, so
 * all ranks end with the same bits.
 *
 * <p>A frame of the current epoch and a later step is left in the log until that step's
 * all-reduce starts; frames of other epochs, earlier steps, or with a header that does not
 * match what the ring expects next on its transfer are dropped and counted.
 */
final class RingAgent implements Agent, ControlledFragmentHandler {
    static final int IDLE = 0;
    static final int REQUESTED = 1;
    static final int RUNNING = 2;
    static final int DONE = 3;
    static final int FAILED = 4;

    static final int FAILED_TIMEOUT = 1;
    static final int FAILED_ABORTED = 2;
    static final int FAILED_ERROR = 3;

    private static final Logger LOG = LoggerFactory.getLogger(RingAgent.class);
    private static final int FRAGMENT_LIMIT = 16;
    private static final int SEND_FRAME_LIMIT = 16;
    private static final byte PHASE_REDUCE_SCATTER = 0;
    private static final byte PHASE_ALL_GATHER = 1;

    private final long epoch;
    private final int rank;
    private final int worldSize;
    private final int transfers;
    private final ExclusivePublication publication;
    private final Subscription subscription;
    private final RingCounters counters;
    private final WireFormat wire;
    private final int bytesPerValue;
    private final int valuesPerFrame;
    private final long timeoutNs;
    private final BufferClaim claim = new BufferClaim();
    private final String roleName;

    volatile int state = IDLE;
    volatile String abortReason;

    // Written by the caller before state becomes REQUESTED; read by the agent after.
    AtomicBuffer values;
    int count;
    long step;
    Thread caller;

    // Written by the agent before state becomes FAILED; read by the caller after.
    int failure;
    RingPhase failedPhase;
    int failedRingStep;
    int failedWaitingFor;
    String failedDetail;

    private final int[] sentValues;
    private final int[] receivedValues;
    private int transfersSent;
    private int transfersReceived;
    private boolean sendBlocked;
    private long startNs;
    private long deadlineNs;
    private boolean malformedLogged;
    private Object localBase;
    private long localAddress;

    RingAgent(
        final RingSpec spec,
        final CollectiveSettings settings,
        final ExclusivePublication publication,
        final Subscription subscription,
        final RingCounters counters) {
        this.epoch = spec.epoch();
        this.rank = spec.rank();
        this.worldSize = spec.worldSize();
        this.transfers = 2 * (worldSize - 1);
        this.publication = publication;
        this.subscription = subscription;
        this.counters = counters;
        this.wire = settings.wireFormat();
        this.bytesPerValue = wire.bytesPerValue();
        this.valuesPerFrame = (settings.frameBytes() - FrameHeader.LENGTH) / bytesPerValue;
        this.timeoutNs = settings.timeout().toNanos();
        this.roleName = "cohort-ring-e" + epoch + "-r" + rank;
        this.sentValues = new int[transfers];
        this.receivedValues = new int[transfers];
    }

    @Override
    public String roleName() {
        return roleName;
    }

    @Override
    public int doWork() {
        final int current = state;
        if (current == REQUESTED) {
            begin();
        } else if (current != RUNNING) {
            return 0;
        }

        if (abortReason != null) {
            fail(FAILED_ABORTED, abortReason);
            return 1;
        }

        int work = send();
        if (transfersReceived < transfers) {
            final int received = subscription.controlledPoll(this, FRAGMENT_LIMIT);
            if (received > 0) {
                work += received + send();
            }
        }

        if (state != RUNNING) {
            return work;
        }
        if (transfersReceived == transfers && transfersSent == transfers) {
            complete();
        } else if (System.nanoTime() - deadlineNs > 0) {
            timeOut();
        }
        return work;
    }

    @Override
    public Action onFragment(
        final DirectBuffer buffer, final int offset, final int length, final Header header) {
        if (length < FrameHeader.LENGTH
            || buffer.getInt(offset + FrameHeader.MAGIC_OFFSET) != FrameHeader.MAGIC) {
            return malformed(length);
        }

        final long frameEpoch = buffer.getLong(offset + FrameHeader.EPOCH_OFFSET);
        final long frameStep = buffer.getLong(offset + FrameHeader.STEP_OFFSET);
        if (frameEpoch != epoch || frameStep < step) {
            counters.staleFrames.incrementRelease();
            return Action.CONTINUE;
        }
        if (frameStep > step) {
            // The left neighbour has started the next all-reduce; keep it for then.
            return Action.ABORT;
        }
        final int transfer = expectedTransfer(buffer, offset, length);
        if (transfer < 0) {
            return malformed(length);
        }

        final int chunk = receiveChunk(transfer);
        final int frameValues = buffer.getInt(offset + FrameHeader.LENGTH_OFFSET);
        final long local = localAddress(chunk, receivedValues[transfer]);
        final Object inBase = buffer.byteArray();
        final long in = buffer.addressOffset() + offset + FrameHeader.LENGTH;
        if (!(caughtUp(transfer) && forward(transfer, chunk, frameValues, local, inBase, in))) {
            if (state != RUNNING) {
                // The publication closed under the forward: the caller's buffer is no longer ours.
                return Action.ABORT;
            }
            apply(transfer, local, inBase, in, frameValues);
        }

        receivedValues[transfer] += frameValues;
        if (receivedValues[transfer] == chunkLength(chunk)) {
            transfersReceived++;
        }
        return Action.CONTINUE;
    }

    /**
     * Fails a running all-reduce after an unexpected error on the agent thread.
     *
     * @param error what went wrong.
     */
    void onError(final Throwable error) {
        LOG.error("ring epoch [{}] rank [{}] agent failed", epoch, rank, error);
        final int current = state;
        if (current == RUNNING || current == REQUESTED) {
            fail(FAILED_ERROR, String.valueOf(error));
        }
    }

    /**
     * Fails an all-reduce that the agent thread will no longer run, after the agent stopped.
     *
     * @param reason why.
     */
    void failIfPending(final String reason) {
        final int current = state;
        if (current == RUNNING || current == REQUESTED) {
            fail(FAILED_ABORTED, reason);
        }
    }

    private void begin() {
        transfersSent = 0;
        transfersReceived = 0;
        for (int t = 0; t < transfers; t++) {
            sentValues[t] = 0;
            receivedValues[t] = 0;
            if (chunkLength(sendChunk(t)) == 0) {
                transfersSent++;
            }
            if (chunkLength(receiveChunk(t)) == 0) {
                transfersReceived++;
            }
        }
        sendBlocked = false;
        localBase = values.byteArray();
        localAddress = values.addressOffset();
        startNs = System.nanoTime();
        deadlineNs = startNs + timeoutNs;
        state = RUNNING;
    }

    /** Sends, from the caller's buffer, what every transfer has ready; later transfers first. */
    private int send() {
        int frames = 0;
        for (int t = transfers - 1; t >= 0 && frames < SEND_FRAME_LIMIT; t--) {
            final int chunk = sendChunk(t);
            final int length = chunkLength(chunk);
            while (sentValues[t] < length && frames < SEND_FRAME_LIMIT) {
                final int frameValues = Math.min(valuesPerFrame, length - sentValues[t]);
                if (t > 0 && sentValues[t] + frameValues > receivedValues[t - 1]) {
                    break;
                }
                if (!sendFromLocal(t, chunk, frameValues)) {
                    return frames;
                }
                frames++;
            }
        }
        return frames;
    }

    private boolean sendFromLocal(final int transfer, final int chunk, final int frameValues) {
        final int frameBytes = FrameHeader.LENGTH + frameValues * bytesPerValue;
        final long result = publication.tryClaim(frameBytes, claim);
        if (result < 0) {
            onClaimFailed(result);
            return false;
        }

        final long out = writeHeader(transfer, chunk, frameValues);
        final Object outBase = claim.buffer().byteArray();
        final long local = localAddress(chunk, sentValues[transfer]);
        if (wire == WireFormat.FP32) {
            FloatKernels.copy(localBase, local, outBase, out, frameValues * Float.BYTES);
        } else {
            FloatKernels.narrowBf16(localBase, local, outBase, out, frameValues);
        }
        sent(transfer, chunk, frameValues, frameBytes);
        return true;
    }

    /**
     * Sums or copies a received frame of {@code transfer} into the caller's buffer and, in the
     * same pass, into a frame of transfer {@code transfer + 1} for the next rank.
     *
     * @return false when no frame could be claimed; the caller then applies the frame alone.
     */
    private boolean forward(
        final int transfer,
        final int chunk,
        final int frameValues,
        final long local,
        final Object inBase,
        final long in) {
        final int frameBytes = FrameHeader.LENGTH + frameValues * bytesPerValue;
        final long result = publication.tryClaim(frameBytes, claim);
        if (result < 0) {
            onClaimFailed(result);
            return false;
        }

        final long out = writeHeader(transfer + 1, chunk, frameValues);
        final Object outBase = claim.buffer().byteArray();
        if (transfer < worldSize - 1) {
            // Before the last reduce-scatter step the local copy of a partial sum is never read
            // again: all-gather overwrites it, so only the last step keeps it.
            final boolean keepLocal = transfer == worldSize - 2;
            if (wire == WireFormat.FP32) {
                FloatKernels.addFp32To(
                    localBase, local, inBase, in, outBase, out, frameValues, keepLocal);
            } else {
                FloatKernels.addBf16To(
                    localBase, local, inBase, in, outBase, out, frameValues, keepLocal);
            }
        } else {
            FloatKernels.copy(inBase, in, outBase, out, frameValues * bytesPerValue);
            applyGather(local, inBase, in, frameValues);
        }
        sent(transfer + 1, chunk, frameValues, frameBytes);
        return true;
    }

    private void sent(
        final int transfer, final int chunk, final int frameValues, final int frameBytes) {
        claim.commit();
        counters.bytesSent.getAndAddRelease(frameBytes);
        sendBlocked = false;
        sentValues[transfer] += frameValues;
        if (sentValues[transfer] == chunkLength(chunk)) {
            transfersSent++;
        }
    }

    /** Whether everything received of {@code transfer} so far has been forwarded. */
    private boolean caughtUp(final int transfer) {
        return transfer + 1 < transfers && sentValues[transfer + 1] == receivedValues[transfer];
    }

    private void onClaimFailed(final long result) {
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
            fail(FAILED_ERROR, "publication to rank " + (rank + 1) % worldSize + " is "
                + (result == Publication.CLOSED ? "closed" : "full (max position exceeded)"));
        } else {
            sendBlocked = true;
        }
    }

    /** Writes the header of the claimed frame and returns the address of its payload. */
    private long writeHeader(final int transfer, final int chunk, final int frameValues) {
        final MutableDirectBuffer out = claim.buffer();
        final int at = claim.offset();
        out.putInt(at + FrameHeader.MAGIC_OFFSET, FrameHeader.MAGIC);
        out.putByte(at + FrameHeader.PHASE_OFFSET, phaseOf(transfer));
        out.putByte(at + FrameHeader.WIRE_OFFSET, (byte) wire.ordinal());
        out.putShort(at + FrameHeader.RING_STEP_OFFSET, (short) ringStepOf(transfer));
        out.putLong(at + FrameHeader.EPOCH_OFFSET, epoch);
        out.putLong(at + FrameHeader.STEP_OFFSET, step);
        out.putInt(at + FrameHeader.CHUNK_OFFSET, chunk);
        out.putInt(at + FrameHeader.VALUE_OFFSET_OFFSET, sentValues[transfer]);
        out.putInt(at + FrameHeader.LENGTH_OFFSET, frameValues);
        out.putInt(at + FrameHeader.COUNT_OFFSET, count);
        return out.addressOffset() + at + FrameHeader.LENGTH;
    }

    /**
     * The transfer a frame belongs to, when its header is exactly the next frame of that
     * transfer: right chunk, offset, length, count and wire format.
     *
     * @return the transfer, or -1 when the header does not add up.
     */
    private int expectedTransfer(final DirectBuffer buffer, final int offset, final int length) {
        final byte phase = buffer.getByte(offset + FrameHeader.PHASE_OFFSET);
        final int ringStep = buffer.getShort(offset + FrameHeader.RING_STEP_OFFSET);
        if ((phase != PHASE_REDUCE_SCATTER && phase != PHASE_ALL_GATHER)
            || ringStep < 0 || ringStep >= worldSize - 1) {
            return -1;
        }
        final int transfer = phase == PHASE_REDUCE_SCATTER ? ringStep : worldSize - 1 + ringStep;
        final int chunk = receiveChunk(transfer);
        final int remaining = chunkLength(chunk) - receivedValues[transfer];
        final int expectedValues = Math.min(valuesPerFrame, remaining);
        final boolean matches = remaining > 0
            && buffer.getByte(offset + FrameHeader.WIRE_OFFSET) == wire.ordinal()
            && buffer.getInt(offset + FrameHeader.CHUNK_OFFSET) == chunk
            && buffer.getInt(offset + FrameHeader.VALUE_OFFSET_OFFSET) == receivedValues[transfer]
            && buffer.getInt(offset + FrameHeader.LENGTH_OFFSET) == expectedValues
            && buffer.getInt(offset + FrameHeader.COUNT_OFFSET) == count
            && length == FrameHeader.LENGTH + expectedValues * bytesPerValue;
        return matches ? transfer : -1;
    }

    private void apply(
        final int transfer,
        final long local,
        final Object inBase,
        final long in,
        final int frameValues) {
        if (transfer >= worldSize - 1) {
            applyGather(local, inBase, in, frameValues);
        } else if (wire == WireFormat.FP32) {
            FloatKernels.addFp32(localBase, local, inBase, in, frameValues);
        } else {
            // The final sum is rounded here, once, so that this rank keeps what its peers get.
            final boolean round = transfer == worldSize - 2;
            FloatKernels.addBf16(localBase, local, inBase, in, frameValues, round);
        }
    }

    private void applyGather(
        final long local, final Object inBase, final long in, final int frameValues) {
        if (wire == WireFormat.FP32) {
            FloatKernels.copy(inBase, in, localBase, local, frameValues * Float.BYTES);
        } else {
            FloatKernels.widenBf16(localBase, local, inBase, in, frameValues);
        }
    }

    /** Address of a value of a chunk in the caller's buffer; its bounds were checked. */
    private long localAddress(final int chunk, final int valueInChunk) {
        return localAddress + (long) (chunkStart(chunk) + valueInChunk) * Float.BYTES;
    }

    private Action malformed(final int length) {
        counters.malformedFrames.incrementRelease();
        if (!malformedLogged) {
            malformedLogged = true;
            LOG.warn("ring epoch [{}] rank [{}] dropped a malformed frame of [{}] bytes "
                + "at step [{}]; further ones are only counted", epoch, rank, length, step);
        }
        return Action.CONTINUE;
    }

    private void complete() {
        counters.allReduces.incrementRelease();
        counters.lastAllReduceNs.setRelease(System.nanoTime() - startNs);
        finish(DONE);
    }

    private void timeOut() {
        final int receiving = firstIncomplete(receivedValues, false);
        final int sending = firstIncomplete(sentValues, true);
        final boolean waitingForSend = receiving < 0 || (sendBlocked && sending >= 0);
        final int transfer = waitingForSend ? sending : receiving;
        failedPhase = transfer < worldSize - 1 ? RingPhase.REDUCE_SCATTER : RingPhase.ALL_GATHER;
        failedRingStep = ringStepOf(transfer);
        failedWaitingFor = waitingForSend
            ? (rank + 1) % worldSize : (rank + worldSize - 1) % worldSize;
        failedDetail = waitingForSend ? "room to send" : "frames";
        failure = FAILED_TIMEOUT;
        finish(FAILED);
    }

    private void fail(final int kind, final String detail) {
        final int receiving = firstIncomplete(receivedValues, false);
        final int transfer = receiving < 0 ? transfers - 1 : receiving;
        failedPhase = transfer < worldSize - 1 ? RingPhase.REDUCE_SCATTER : RingPhase.ALL_GATHER;
        failedRingStep = ringStepOf(transfer);
        failedWaitingFor = (rank + worldSize - 1) % worldSize;
        failedDetail = detail;
        failure = kind;
        finish(FAILED);
    }

    /** The first transfer not yet complete in one direction, or -1 when all are. */
    private int firstIncomplete(final int[] done, final boolean sending) {
        for (int t = 0; t < transfers; t++) {
            final int chunk = sending ? sendChunk(t) : receiveChunk(t);
            if (done[t] < chunkLength(chunk)) {
                return t;
            }
        }
        return -1;
    }

    private void finish(final int outcome) {
        final Thread waiter = caller;
        values = null;
        localBase = null;
        state = outcome;
        LockSupport.unpark(waiter);
    }

    private int sendChunk(final int transfer) {
        final int shift = transfer < worldSize - 1 ? transfer : transfer - (worldSize - 1) - 1;
        return Math.floorMod(rank - shift, worldSize);
    }

    private int receiveChunk(final int transfer) {
        return sendChunk(transfer + 1);
    }

    private byte phaseOf(final int transfer) {
        return transfer < worldSize - 1 ? PHASE_REDUCE_SCATTER : PHASE_ALL_GATHER;
    }

    private int ringStepOf(final int transfer) {
        return transfer < worldSize - 1 ? transfer : transfer - (worldSize - 1);
    }

    private int chunkStart(final int chunk) {
        return (int) ((long) chunk * count / worldSize);
    }

    private int chunkLength(final int chunk) {
        return chunkStart(chunk + 1) - chunkStart(chunk);
    }
}
