package io.cohort.worker.collective;

/**
 * Layout of the fixed header at the start of every all-reduce frame, followed by the payload:
 * {@code length} values in the frame's wire format, native byte order.
 *
 * <pre>
 *   0  int   magic      identifies a Cohort all-reduce frame of this layout
 *   4  byte  phase      0 reduce-scatter, 1 all-gather
 *   5  byte  wire       wire format ordinal
 *   6  short ringStep   step within the phase, 0..N-2
 *   8  long  epoch      ring epoch
 *  16  long  step       the caller's step (one all-reduce)
 *  24  int   chunk      chunk index, 0..N-1
 *  28  int   offset     first value of the frame, counted from the start of the chunk
 *  32  int   length     values in the frame
 *  36  int   count      values in the whole all-reduce
 *  40  payload
 * </pre>
 */
final class FrameHeader {
    static final int MAGIC = 0x43_4F_48_31;
    static final int MAGIC_OFFSET = 0;
    static final int PHASE_OFFSET = 4;
    static final int WIRE_OFFSET = 5;
    static final int RING_STEP_OFFSET = 6;
    static final int EPOCH_OFFSET = 8;
    static final int STEP_OFFSET = 16;
    static final int CHUNK_OFFSET = 24;
    static final int VALUE_OFFSET_OFFSET = 28;
    static final int LENGTH_OFFSET = 32;
    static final int COUNT_OFFSET = 36;

    /** Bytes of the header; the payload starts here. */
    static final int LENGTH = 40;

    private FrameHeader() {
    }
}
