package io.cohort.model;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), over one flat float32 buffer of
 * parameters and one of gradients.
 *
 * <p>One step, with {@code t} the number of steps taken including this one, {@code lr} the
 * scheduled rate ({@link AdamWConfig#learningRateAt}) and {@code g} the gradient, first scaled
 * down to the global norm {@code gradClipNorm} when clipping is on and the norm exceeds it:
 * <pre>
 *   p = p * (1 - lr * weightDecay)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + epsilon)
 * </pre>
 * This is the update PyTorch's {@code AdamW} and its gradient clipping make. Weight decay applies
 * to every parameter, biases and LayerNorm gains included, as the course's model does.
 *
 * <p>A step allocates no buffers of the parameters' size: the moments and one scratch buffer are
 * allocated once. Not thread-safe; one optimizer belongs to one replica.
 */
public final class AdamW {

    /** Added to the norm when clipping, so that a zero gradient does not divide by zero. */
    private static final double CLIP_EPSILON = 1e-6;

    private final AdamWConfig config;
    private final long parameterCount;
    private final INDArray firstMoment;
    private final INDArray secondMoment;
    private final INDArray scratch;
    private long stepsTaken;
    private double lastGradNorm = Double.NaN;

    /** An optimizer for {@code parameterCount} parameters, with zero moments. */
    public AdamW(AdamWConfig config, long parameterCount) {
        if (parameterCount < 1) {
            throw new IllegalArgumentException("parameterCount must be at least 1, got "
                    + parameterCount);
        }
        this.config = config;
        this.parameterCount = parameterCount;
        this.firstMoment = Nd4j.zeros(DataType.FLOAT, parameterCount);
        this.secondMoment = Nd4j.zeros(DataType.FLOAT, parameterCount);
        this.scratch = Nd4j.zeros(DataType.FLOAT, parameterCount);
    }

    /** The settings this optimizer applies. */
    public AdamWConfig config() {
        return config;
    }

    /**
     * Applies one update to {@code params} in place from {@code grads}, which it leaves as they
     * were. Records the gradient's global L2 norm before clipping ({@link #lastGradNorm}).
     * A gradient holding NaN or infinity is applied as it is; check the norm to catch it.
     */
    public void step(INDArray params, INDArray grads) {
        requireFlat("params", params);
        requireFlat("grads", grads);

        double rate = config.learningRateAt(stepsTaken);
        long t = stepsTaken + 1;
        double gradScale = clipScale(globalNorm(grads));

        // The clipping scale is folded into the moment updates, so the gradient stays as given.
        INDArray g = scratch.assign(grads).muli((1.0 - config.beta1()) * gradScale);
        firstMoment.muli(config.beta1()).addi(g);

        g.assign(grads).muli(grads).muli((1.0 - config.beta2()) * gradScale * gradScale);
        secondMoment.muli(config.beta2()).addi(g);

        double biasCorrection1 = 1.0 - Math.pow(config.beta1(), t);
        double biasCorrection2 = 1.0 - Math.pow(config.beta2(), t);
        INDArray update = scratch.assign(secondMoment).divi(biasCorrection2);
        Transforms.sqrt(update, false).addi(config.epsilon());              // denominator
        update.rdivi(firstMoment).muli(rate / biasCorrection1);

        params.muli(1.0 - rate * config.weightDecay()).subi(update);
        stepsTaken = t;
    }

    /**
     * The gradient's global L2 norm before clipping, at the last step; NaN before any. Computed
     * at every step, with clipping on or off.
     */
    public double lastGradNorm() {
        return lastGradNorm;
    }

    /** Updates applied so far; the next step uses the learning rate at this index. */
    public long stepsTaken() {
        return stepsTaken;
    }

    /** The first-moment estimate: the optimizer's own buffer, live, not a copy. */
    public INDArray firstMoment() {
        return firstMoment;
    }

    /** The second-moment estimate: the optimizer's own buffer, live, not a copy. */
    public INDArray secondMoment() {
        return secondMoment;
    }

    /** Continues from a saved state: copies {@code m} and {@code v} into the moments. */
    public void restore(long steps, INDArray m, INDArray v) {
        if (steps < 0) {
            throw new IllegalArgumentException("stepsTaken must be at least 0, got " + steps);
        }
        requireFlat("first moment", m);
        requireFlat("second moment", v);
        firstMoment.assign(m);
        secondMoment.assign(v);
        stepsTaken = steps;
        lastGradNorm = Double.NaN;
    }

    /**
     * The L2 norm of a flat float32 array, summed in double precision in index order. A fixed
     * order makes the result independent of the thread count, so that replicas holding the same
     * gradient clip it by exactly the same factor.
     */
    static double globalNorm(INDArray flat) {
        INDArray contiguous = flat.elementWiseStride() == 1 ? flat : flat.dup();
        FloatBuffer values = contiguous.data().asNioFloat();
        int start = values.position();
        int length = (int) contiguous.length();

        double sum0 = 0.0;
        double sum1 = 0.0;
        double sum2 = 0.0;
        double sum3 = 0.0;
        int i = 0;
        for (; i + 3 < length; i += 4) {
            double a = values.get(start + i);
            double b = values.get(start + i + 1);
            double c = values.get(start + i + 2);
            double d = values.get(start + i + 3);
            sum0 += a * a;
            sum1 += b * b;
            sum2 += c * c;
            sum3 += d * d;
        }
        for (; i < length; i++) {
            double a = values.get(start + i);
            sum0 += a * a;
        }
        return Math.sqrt((sum0 + sum1) + (sum2 + sum3));
    }

    private double clipScale(double norm) {
        lastGradNorm = norm;
        double maxNorm = config.gradClipNorm();
        if (maxNorm > 0.0 && norm > maxNorm) {
            return maxNorm / (norm + CLIP_EPSILON);
        }
        return 1.0;
    }

    private void requireFlat(String what, INDArray array) {
        if (array.dataType() != DataType.FLOAT || array.length() != parameterCount) {
            throw new IllegalArgumentException(what + " must be float32 of length "
                    + parameterCount + ", got " + array.dataType() + " of length "
                    + array.length());
        }
    }
}
