package io.cohort.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One SameDiff graph of the GPT for a fixed sequence length T (any batch size): the place where
 * the blocks add their ops, and afterwards the feed of placeholders for one call.
 *
 * <p>The residual stream is kept as a matrix {@code [B*T, C]} so that every linear layer is one
 * plain matrix product. Variables are views into the model's flat parameter buffer, so the graph
 * always reads the current parameters.
 */
final class GptGraph {

    static final String INPUTS = "idx";
    static final String TARGETS = "targets";
    static final String LOGITS = "logits";
    static final String LOSS = "loss";
    static final String ONES = "ones";

    private static final double MASKED = -1e9;

    /** The name under which SameDiff keeps the backward graph of the loss. */
    private static final String GRADIENT_FUNCTION = "grad";

    private final SameDiff sd = SameDiff.create();
    private final GptConfig config;
    private final int sequenceLength;
    private final DataType dataType;
    private final Map<String, SDVariable> variables = new HashMap<>();
    private final List<DropoutMask> masks = new ArrayList<>();
    private INDArray[] maskArrays = new INDArray[0];
    private int maskBatchSize;
    private SDVariable causalMask;
    private SDVariable ones;
    private INDArray onesArray;
    private boolean masksHoldOnes;

    /** A dropout mask placeholder of shape {@code [B * rowsPerSequence, rest...]}. */
    private record DropoutMask(String name, long rowsPerSequence, long[] rest) {

        long[] shape(int batchSize) {
            long[] shape = new long[rest.length + 1];
            shape[0] = batchSize * rowsPerSequence;
            System.arraycopy(rest, 0, shape, 1, rest.length);
            return shape;
        }
    }

    GptGraph(GptConfig config, int sequenceLength, FlatParameters parameters) {
        this.config = config;
        this.sequenceLength = sequenceLength;
        this.dataType = parameters.parameters().dataType();
        // The default holder keeps a private copy of each array per thread; this one keeps
        // the very views given to it, so the graph reads and trains the flat buffer itself.
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        for (String name : parameters.names()) {
            INDArray view = parameters.parameter(name);
            variables.put(name, sd.var(name, view));
            if (sd.getArrForVarName(name) != view) {
                throw new IllegalStateException("graph variable " + name
                        + " does not share memory with the flat parameter buffer");
            }
        }
    }

    SameDiff sameDiff() {
        return sd;
    }

    /** The backward graph SameDiff derives from this one; it runs forward and backward. */
    SameDiff gradientFunction() {
        SameDiff gradients = sd.getFunction(GRADIENT_FUNCTION);
        if (gradients == null) {
            throw new IllegalStateException("the gradient function has not been created yet");
        }
        return gradients;
    }

    /** Frees the arrays of every session that ran this graph or its gradient function. */
    void closeSessions() {
        StepArrayPool.closeAll(sd);
        SameDiff gradients = sd.getFunction(GRADIENT_FUNCTION);
        if (gradients != null) {
            StepArrayPool.closeAll(gradients);
        }
    }

    GptConfig config() {
        return config;
    }

    /** T, the sequence length this graph was built for. */
    int sequenceLength() {
        return sequenceLength;
    }

    DataType dataType() {
        return dataType;
    }

    /** The graph variable backed by parameter {@code name}. */
    SDVariable param(String name) {
        SDVariable variable = variables.get(name);
        if (variable == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return variable;
    }

    /** The additive causal mask {@code [T, T]}: 0 on and below the diagonal, -1e9 above. */
    SDVariable causalMask() {
        if (causalMask == null) {
            int t = sequenceLength;
            INDArray mask = Nd4j.zeros(dataType, t, t);
            for (int row = 0; row < t; row++) {
                for (int col = row + 1; col < t; col++) {
                    mask.putScalar(row, col, MASKED);
                }
            }
            causalMask = sd.constant("causal_mask", mask);
        }
        return causalMask;
    }

    /**
     * A column of ones {@code [B*T, 1]}: {@code ones.mmul(v)} repeats a row vector {@code [1, n]}
     * over the rows, and the gradient of {@code v} is then one matrix product rather than a
     * broadcast reduction, which this ND4J version runs far below memory bandwidth.
     */
    SDVariable ones() {
        if (ones == null) {
            ones = sd.placeHolder(ONES, dataType, -1, 1);
        }
        return ones;
    }

    /**
     * Inverted dropout on {@code x}, shaped {@code [B * rowsPerSequence, rest...]}: multiplies by
     * a mask placeholder that holds 0 or {@code 1 / (1 - p)} when training and 1 otherwise.
     * Without dropout in the config, returns {@code x} unchanged.
     */
    SDVariable dropout(SDVariable x, long rowsPerSequence, long... rest) {
        if (config.dropout() == 0.0) {
            return x;
        }
        String name = "dropout_mask_" + masks.size();
        long[] placeholderShape = new long[rest.length + 1];
        placeholderShape[0] = -1;
        System.arraycopy(rest, 0, placeholderShape, 1, rest.length);
        SDVariable mask = sd.placeHolder(name, dataType, placeholderShape);
        masks.add(new DropoutMask(name, rowsPerSequence, rest.clone()));
        return x.mul(mask);
    }

    /**
     * The placeholders for one call on {@code batchSize} sequences of length T. With a random
     * generator the dropout masks are drawn from it; without one they hold ones.
     */
    Map<String, INDArray> feed(int batchSize, int[] inputs, int[] targets, Random dropoutRandom) {
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(INPUTS, Nd4j.createFromArray(inputs));
        if (targets != null) {
            feed.put(TARGETS, Nd4j.createFromArray(targets));
        }
        if (ones != null) {
            feed.put(ONES, onesFor(batchSize));
        }
        if (masks.isEmpty()) {
            return feed;
        }
        if (maskBatchSize != batchSize) {
            allocateMasks(batchSize);
        }
        fillMasks(maskArrays, dropoutRandom);
        for (int i = 0; i < masks.size(); i++) {
            feed.put(masks.get(i).name(), maskArrays[i]);
        }
        return feed;
    }

    private INDArray onesFor(int batchSize) {
        long rows = (long) batchSize * sequenceLength;
        if (onesArray == null || onesArray.rows() != rows) {
            onesArray = Nd4j.ones(dataType, rows, 1);
        }
        return onesArray;
    }

    private void allocateMasks(int batchSize) {
        maskArrays = new INDArray[masks.size()];
        for (int i = 0; i < maskArrays.length; i++) {
            maskArrays[i] = Nd4j.create(dataType, masks.get(i).shape(batchSize));
        }
        maskBatchSize = batchSize;
        masksHoldOnes = false;
    }

    private void fillMasks(INDArray[] arrays, Random random) {
        if (random == null) {
            if (!masksHoldOnes) {
                for (INDArray array : arrays) {
                    array.assign(1.0);
                }
                masksHoldOnes = true;
            }
            return;
        }
        double keep = 1.0 - config.dropout();
        for (INDArray array : arrays) {
            Nd4j.getExecutioner().exec(new BernoulliDistribution(array, keep), random);
            array.muli(1.0 / keep);
        }
        masksHoldOnes = false;
    }
}
