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
 * {@code k + 1}, so every received frame, once summed (reduce-scatter) or copied (all-gather)
 * into the caller's buffer, can be forwarded at once: data flows around the ring frame by
 * frame, not chunk by chunk. Transfer 0 is this rank's own chunk.
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
            return malformed(buffer, offset, length);
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
            return malformed(buffer, offset, length);
        }

        final int chunk = receiveChunk(receiveTransfer);
        final int frameValues = buffer.getInt(offset + FrameHeader.LENGTH_OFFSET);
        final int firstByte = (chunkStart(chunk) + receiveOffset) * Float.BYTES;
        apply(buffer, offset + FrameHeader.LENGTH, firstByte, frameValues);

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
        skipEmptyReceives();
        startNs = System.nanoTime();
        deadlineNs = startNs + timeoutNs;
        state = RUNNING;
    }

    private int send() {
        int frames = 0;
        while (sendTransfer < transfers && frames < SEND_FRAME_LIMIT) {
            final int chunk = sendChunk(sendTransfer);
            final int length = chunkLength(chunk);
            if (sendOffset >= length) {
                sendTransfer++;
                sendOffset = 0;
                continue;
            }

            final int frameValues = Math.min(valuesPerFrame, length - sendOffset);
            if (sendOffset + frameValues > sendLimit()) {
                break;
            }

            final int frameBytes = FrameHeader.LENGTH + frameValues * bytesPerValue;
            final long result = publication.tryClaim(frameBytes, claim);
            if (result < 0) {
                onClaimFailed(result);
                break;
            }

            writeFrame(chunk, frameValues);
            claim.commit();
            counters.bytesSent.getAndAddRelease(frameBytes);
            sendBlocked = false;
            sendOffset += frameValues;
            frames++;
        }
        return frames;
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

    private void writeFrame(final int chunk, final int frameValues) {
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

        final int firstByte = (chunkStart(chunk) + sendOffset) * Float.BYTES;
        final int payload = at + FrameHeader.LENGTH;
        if (wire == WireFormat.FP32) {
            out.putBytes(payload, values, firstByte, frameValues * Float.BYTES);
        } else {
            for (int i = 0; i < frameValues; i++) {
                final float value = values.getFloat(firstByte + i * Float.BYTES);
                out.putShort(payload + i * 2, Bf16.fromFloat(value));
            }
        }
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
        final DirectBuffer frame, final int payload, final int firstByte, final int frameValues) {
        final boolean gather = receiveTransfer >= worldSize - 1;
        final boolean lastReduce = receiveTransfer == worldSize - 2;
        if (wire == WireFormat.FP32) {
            if (gather) {
                values.putBytes(firstByte, frame, payload, frameValues * Float.BYTES);
            } else {
                addFp32(frame, payload, firstByte, frameValues);
            }
        } else if (gather) {
            copyBf16(frame, payload, firstByte, frameValues);
        } else {
            addBf16(frame, payload, firstByte, frameValues, lastReduce);
        }
    }

    private void addFp32(
        final DirectBuffer frame, final int payload, final int firstByte, final int frameValues) {
        final AtomicBuffer local = values;
        for (int i = 0; i < frameValues; i++) {
            final int at = firstByte + i * Float.BYTES;
            local.putFloat(at, local.getFloat(at) + frame.getFloat(payload + i * Float.BYTES));
        }
    }

    private void addBf16(
        final DirectBuffer frame,
        final int payload,
        final int firstByte,
        final int frameValues,
        final boolean lastReduce) {
        final AtomicBuffer local = values;
        for (int i = 0; i < frameValues; i++) {
            final int at = firstByte + i * Float.BYTES;
            final float sum = local.getFloat(at) + Bf16.toFloat(frame.getShort(payload + i * 2));
            // The final sum is rounded here, once, so that this rank keeps what its peers get.
            local.putFloat(at, lastReduce ? Bf16.round(sum) : sum);
        }
    }

    private void copyBf16(
        final DirectBuffer frame, final int payload, final int firstByte, final int frameValues) {
        final AtomicBuffer local = values;
        for (int i = 0; i < frameValues; i++) {
            final float value = Bf16.toFloat(frame.getShort(payload + i * 2));
            local.putFloat(firstByte + i * Float.BYTES, value);
        }
    }

    private Action malformed(final DirectBuffer buffer, final int offset, final int length) {
        counters.malformedFrames.incrementRelease();
        if (!malformedLogged) {
            malformedLogged = true;
            LOG.warn("ring epoch [{}] rank [{}] dropped a malformed frame of [{}] bytes "
                + "(expected transfer [{}] offset [{}]); further ones are only counted",
                epoch, rank, length, receiveTransfer, receiveOffset);
        }
        return Action.CONTINUE;
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
