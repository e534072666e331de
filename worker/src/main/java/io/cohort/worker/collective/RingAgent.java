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
 * <p>One all-reduce is a stream of {@code 2(N-1)} chunk transfers in each direction. Transfer
 * {@code k} received from the left neighbour is the chunk this rank sends as transfer
 * {@code k + 1}, so every received frame, once summed (reduce-scatter) or copied (all-gather),
 * can be forwarded at once: data flows around the ring frame by frame, not chunk by chunk.
 * When the publication has room, the sum is written straight from the received frame into the
 * claimed outgoing frame in one pass; otherwise it goes into the caller's buffer and is sent
 * from there later. Transfer 0 is this rank's own chunk.
 *
 * <p>Each chunk's final sum is computed once, by the rank that receives it in the last
 * reduce-scatter step (and rounded there when the wire is bf16); every other rank copies it, so
 * all ranks end with the same bits.
 *
 * <p>A frame of the current epoch and a later step is left in the log until that step's
 * all-reduce starts; frames of other epochs, earlier steps, or with a header that does not
 * match what the ring expects next are dropped and counted.
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

    private int sendTransfer;
    private int sendOffset;
    private int receiveTransfer;
    private int receiveOffset;
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
        if (receiveTransfer < transfers) {
            final int received = subscription.controlledPoll(this, FRAGMENT_LIMIT);
            if (received > 0) {
                work += received + send();
            }
        }

        if (receiveTransfer == transfers && sendTransfer == transfers) {
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
        if (!matchesExpected(buffer, offset, length)) {
            return malformed(length);
        }

        final int chunk = receiveChunk(receiveTransfer);
        final int frameValues = buffer.getInt(offset + FrameHeader.LENGTH_OFFSET);
        final long local = localAddress(chunk, receiveOffset);
        final Object inBase = buffer.byteArray();
        final long in = buffer.addressOffset() + offset + FrameHeader.LENGTH;
        if (!(sendCaughtUp() && forward(chunk, frameValues, local, inBase, in))) {
            if (state != RUNNING) {
                // The publication closed under the forward: the caller's buffer is no longer ours.
                return Action.ABORT;
            }
            apply(local, inBase, in, frameValues);
        }

        receiveOffset += frameValues;
        if (receiveOffset == chunkLength(chunk)) {
            receiveTransfer++;
            receiveOffset = 0;
            skipEmptyReceives();
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
        sendTransfer = 0;
        sendOffset = 0;
        receiveTransfer = 0;
        receiveOffset = 0;
        sendBlocked = false;
        localBase = values.byteArray();
        localAddress = values.addressOffset();
        skipEmptySends();
        skipEmptyReceives();
        startNs = System.nanoTime();
        deadlineNs = startNs + timeoutNs;
        state = RUNNING;
    }

    private int send() {
        int frames = 0;
        while (sendTransfer < transfers && frames < SEND_FRAME_LIMIT) {
            final int chunk = sendChunk(sendTransfer);
            final int frameValues = Math.min(valuesPerFrame, chunkLength(chunk) - sendOffset);
            if (sendOffset + frameValues > sendLimit()) {
                break;
            }

            final int frameBytes = FrameHeader.LENGTH + frameValues * bytesPerValue;
            final long result = publication.tryClaim(frameBytes, claim);
            if (result < 0) {
                onClaimFailed(result);
                break;
            }

            final long out = writeHeader(chunk, frameValues);
            final Object outBase = claim.buffer().byteArray();
            final long local = localAddress(chunk, sendOffset);
            if (wire == WireFormat.FP32) {
                FloatKernels.copy(localBase, local, outBase, out, frameValues * Float.BYTES);
            } else {
                FloatKernels.narrowBf16(localBase, local, outBase, out, frameValues);
            }
            sent(chunk, frameValues, frameBytes);
            frames++;
        }
        return frames;
    }

    /**
     * Sums or copies a received frame into the caller's buffer and, in the same pass, into a
     * frame for the next rank, when this rank has forwarded everything received before it.
     *
     * @return false when no frame could be claimed; the caller then applies the frame alone.
     */
    private boolean forward(
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

        final long out = writeHeader(chunk, frameValues);
        final Object outBase = claim.buffer().byteArray();
        if (receiveTransfer < worldSize - 1) {
            // Before the last reduce-scatter step the local copy of a partial sum is never read
            // again: all-gather overwrites it, so only the last step keeps it.
            final boolean keepLocal = receiveTransfer == worldSize - 2;
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
        sent(chunk, frameValues, frameBytes);
        return true;
    }

    private void sent(final int chunk, final int frameValues, final int frameBytes) {
        claim.commit();
        counters.bytesSent.getAndAddRelease(frameBytes);
        sendBlocked = false;
        sendOffset += frameValues;
        if (sendOffset == chunkLength(chunk)) {
            sendTransfer++;
            sendOffset = 0;
            skipEmptySends();
        }
    }

    /** Whether every frame received so far in this all-reduce has been forwarded. */
    private boolean sendCaughtUp() {
        return receiveTransfer + 1 < transfers
            && sendTransfer == receiveTransfer + 1
            && sendOffset == receiveOffset;
    }

    private void onClaimFailed(final long result) {
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
            fail(FAILED_ERROR, "publication to rank " + (rank + 1) % worldSize + " is "
                + (result == Publication.CLOSED ? "closed" : "full (max position exceeded)"));
        } else {
            sendBlocked = true;
        }
    }

    /**
     * How many values of the chunk of transfer {@code sendTransfer} are ready to send: all of
     * them for this rank's own chunk and for transfers already received, else as far as the
     * matching receive has got.
     */
    private int sendLimit() {
        if (sendTransfer == 0 || receiveTransfer > sendTransfer - 1) {
            return Integer.MAX_VALUE;
        }
        return receiveTransfer == sendTransfer - 1 ? receiveOffset : 0;
    }

    /** Writes the header of the claimed frame and returns the address of its payload. */
    private long writeHeader(final int chunk, final int frameValues) {
        final MutableDirectBuffer out = claim.buffer();
        final int at = claim.offset();
        out.putInt(at + FrameHeader.MAGIC_OFFSET, FrameHeader.MAGIC);
        out.putByte(at + FrameHeader.PHASE_OFFSET, phaseOf(sendTransfer));
        out.putByte(at + FrameHeader.WIRE_OFFSET, (byte) wire.ordinal());
        out.putShort(at + FrameHeader.RING_STEP_OFFSET, (short) ringStepOf(sendTransfer));
        out.putLong(at + FrameHeader.EPOCH_OFFSET, epoch);
        out.putLong(at + FrameHeader.STEP_OFFSET, step);
        out.putInt(at + FrameHeader.CHUNK_OFFSET, chunk);
        out.putInt(at + FrameHeader.VALUE_OFFSET_OFFSET, sendOffset);
        out.putInt(at + FrameHeader.LENGTH_OFFSET, frameValues);
        out.putInt(at + FrameHeader.COUNT_OFFSET, count);
        return out.addressOffset() + at + FrameHeader.LENGTH;
    }

    private boolean matchesExpected(final DirectBuffer buffer, final int offset, final int length) {
        if (receiveTransfer >= transfers) {
            return false;
        }
        final int chunk = receiveChunk(receiveTransfer);
        final int expectedValues = Math.min(valuesPerFrame, chunkLength(chunk) - receiveOffset);
        return buffer.getByte(offset + FrameHeader.PHASE_OFFSET) == phaseOf(receiveTransfer)
            && buffer.getByte(offset + FrameHeader.WIRE_OFFSET) == wire.ordinal()
            && buffer.getShort(offset + FrameHeader.RING_STEP_OFFSET)
                == ringStepOf(receiveTransfer)
            && buffer.getInt(offset + FrameHeader.CHUNK_OFFSET) == chunk
            && buffer.getInt(offset + FrameHeader.VALUE_OFFSET_OFFSET) == receiveOffset
            && buffer.getInt(offset + FrameHeader.LENGTH_OFFSET) == expectedValues
            && buffer.getInt(offset + FrameHeader.COUNT_OFFSET) == count
            && length == FrameHeader.LENGTH + expectedValues * bytesPerValue;
    }

    private void apply(
        final long local, final Object inBase, final long in, final int frameValues) {
        if (receiveTransfer >= worldSize - 1) {
            applyGather(local, inBase, in, frameValues);
        } else if (wire == WireFormat.FP32) {
            FloatKernels.addFp32(localBase, local, inBase, in, frameValues);
        } else {
            // The final sum is rounded here, once, so that this rank keeps what its peers get.
            final boolean round = receiveTransfer == worldSize - 2;
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
                + "(expected transfer [{}] offset [{}]); further ones are only counted",
                epoch, rank, length, receiveTransfer, receiveOffset);
        }
        return Action.CONTINUE;
    }

    private void skipEmptySends() {
        while (sendTransfer < transfers && chunkLength(sendChunk(sendTransfer)) == 0) {
            sendTransfer++;
        }
    }

    private void skipEmptyReceives() {
        while (receiveTransfer < transfers && chunkLength(receiveChunk(receiveTransfer)) == 0) {
            receiveTransfer++;
        }
    }

    private void complete() {
        counters.allReduces.incrementRelease();
        counters.lastAllReduceNs.setRelease(System.nanoTime() - startNs);
        finish(DONE);
    }

    private void timeOut() {
        final boolean waitingForSend = receiveTransfer == transfers || sendBlocked;
        final int transfer = waitingForSend ? sendTransfer : receiveTransfer;
        failedPhase = transfer < worldSize - 1 ? RingPhase.REDUCE_SCATTER : RingPhase.ALL_GATHER;
        failedRingStep = ringStepOf(transfer);
        failedWaitingFor = waitingForSend
            ? (rank + 1) % worldSize : (rank + worldSize - 1) % worldSize;
        failedDetail = waitingForSend ? "room to send" : "frames";
        failure = FAILED_TIMEOUT;
        finish(FAILED);
    }

    private void fail(final int kind, final String detail) {
        final int transfer = Math.min(receiveTransfer, transfers - 1);
        failedPhase = transfer < worldSize - 1 ? RingPhase.REDUCE_SCATTER : RingPhase.ALL_GATHER;
        failedRingStep = ringStepOf(Math.max(transfer, 0));
        failedWaitingFor = (rank + worldSize - 1) % worldSize;
        failedDetail = detail;
        failure = kind;
        finish(FAILED);
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
