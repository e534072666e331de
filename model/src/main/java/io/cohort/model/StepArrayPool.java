package io.cohort.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The memory of one SameDiff session: every activation and gradient of a call is cut from a
 * buffer that the previous call used, so a step allocates no native memory once the first step
 * has sized the pool.
 *
 * <p>SameDiff's own session cache hardly ever gets arrays back while computing gradients, so
 * without this pool each step of the small preset asked the allocator for about 330 MB of fresh
 * native memory that only the garbage collector returned; the page faults on that memory cost
 * as much system time as the step's arithmetic. Here nothing is freed during a call; instead
 * {@link #recycle} hands every buffer back at once before the next call, when the session's
 * results of the previous one have been read. The pool therefore holds the sum of one call's
 * arrays, the same every step.
 *
 * <p>Not thread-safe; SameDiff keeps one session, and so one pool, per calling thread.
 */
final class StepArrayPool implements SessionMemMgr {

    /** Buffers of one data type and length. */
    private record BufferKey(DataType dataType, long length) {
    }

    private final Map<BufferKey, ArrayDeque<DataBuffer>> free = new HashMap<>();
    private final List<DataBuffer> inUse = new ArrayList<>();

    /**
     * The pool of {@code sd}'s session for the calling thread, installed in place of SameDiff's
     * default memory manager on first use.
     */
    static StepArrayPool forCurrentThread(SameDiff sd) {
        InferenceSession session = sd.getSessions()
                .computeIfAbsent(Thread.currentThread().getId(), id -> new InferenceSession(sd));
        if (session.getMmgr() instanceof StepArrayPool pool) {
            return pool;
        }
        StepArrayPool pool = new StepArrayPool();
        session.setMmgr(pool);
        return pool;
    }

    /** Closes the pools of all of {@code sd}'s sessions; none of them may run again. */
    static void closeAll(SameDiff sd) {
        for (InferenceSession session : sd.getSessions().values()) {
            if (session.getMmgr() instanceof StepArrayPool pool) {
                pool.close();
            }
        }
    }

    /**
     * Makes every buffer handed out since the last call available again. Arrays returned by
     * earlier calls must not be read after this.
     */
    void recycle() {
        for (DataBuffer buffer : inUse) {
            free.computeIfAbsent(new BufferKey(buffer.dataType(), buffer.length()),
                    k -> new ArrayDeque<>()).push(buffer);
        }
        inUse.clear();
    }

    @Override
    public INDArray allocate(boolean detached, DataType dataType, long... shape) {
        return view(dataType, shape, 'c');
    }

    @Override
    public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        if (descriptor.isEmpty()) {
            return Nd4j.create(descriptor);
        }
        // Row-major whatever the descriptor asks, as SameDiff's own manager does: the ops keep
        // their fast paths only when all their arrays share one order.
        return view(descriptor.dataType(), descriptor.getShape(), 'c');
    }

    @Override
    public INDArray ulike(INDArray array) {
        return view(array.dataType(), array.shape(), array.ordering());
    }

    @Override
    public INDArray dup(INDArray array) {
        return ulike(array).assign(array);
    }

    /** Does nothing: buffers come back all together in {@link #recycle}. */
    @Override
    public void release(INDArray array) {
    }

    /** Frees every buffer; the session must not run again. */
    @Override
    public void close() {
        recycle();
        for (ArrayDeque<DataBuffer> buffers : free.values()) {
            for (DataBuffer buffer : buffers) {
                buffer.close();
            }
        }
        free.clear();
    }

    private INDArray view(DataType dataType, long[] shape, char order) {
        long length = 1;
        for (long size : shape) {
            length *= size;
        }
        DataBuffer buffer = take(dataType, length);
        inUse.add(buffer);
        // A new array object on the reused buffer: SameDiff tracks arrays by identity.
        return Nd4j.create(buffer, shape, Nd4j.getStrides(shape, order), 0, order, dataType);
    }

    private DataBuffer take(DataType dataType, long length) {
        ArrayDeque<DataBuffer> buffers = free.get(new BufferKey(dataType, length));
        if (buffers != null && !buffers.isEmpty()) {
            return buffers.pop();
        }
        return Nd4j.createUninitializedDetached(dataType, length).data();
    }
}
