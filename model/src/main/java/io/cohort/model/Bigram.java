package io.cohort.model;

import io.cohort.model.FlatParameters.Init;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The course's first model: a {@code [V, V]} table whose row for a token holds the logits of
 * the token that follows it. It sees one token of context, so {@link #blockSize()} only sets
 * how long a training window is.
 *
 * <p>Flat parameter layout: one tensor, {@code token_embedding_table [V, V]}, drawn from
 * N(0, 0.02).
 */
public final class Bigram implements LanguageModel {

    private static final Logger LOG = LoggerFactory.getLogger(Bigram.class);
    private static final String TABLE = "token_embedding_table";
    private static final String INPUTS = "idx";
    private static final String TARGETS = "targets";
    private static final String LOGITS = "logits";
    private static final String LOSS = "loss";

    private final int vocabSize;
    private final int blockSize;
    private final FlatParameters flat;
    private final SameDiff sd = SameDiff.create();

    private Bigram(int vocabSize, int blockSize, FlatParameters flat) {
        this.vocabSize = vocabSize;
        this.blockSize = blockSize;
        this.flat = flat;
        buildGraph();
    }

    /** A float32 bigram model whose table is drawn from {@code seed}. */
    public static Bigram create(int vocabSize, int blockSize, long seed) {
        return create(vocabSize, blockSize, seed, DataType.FLOAT);
    }

    /** A bigram model in {@code dataType}: FLOAT to train, DOUBLE to check gradients. */
    public static Bigram create(int vocabSize, int blockSize, long seed, DataType dataType) {
        if (vocabSize < 2) {
            throw new IllegalArgumentException("vocabSize must be at least 2, got " + vocabSize);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize must be at least 1, got " + blockSize);
        }
        FlatParameters flat = FlatParameters.builder()
                .add(TABLE, Init.NORMAL, vocabSize, vocabSize)
                .build(dataType, seed);
        LOG.info("Created bigram model with {} parameters", flat.parameters().length());
        return new Bigram(vocabSize, blockSize, flat);
    }

    /** The one tensor in the flat buffers, with its shape and offset. */
    public List<ParameterSpec> parameterLayout() {
        return flat.layout();
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public long parameterCount() {
        return flat.parameters().length();
    }

    @Override
    public INDArray parameters() {
        return flat.parameters();
    }

    @Override
    public INDArray gradients() {
        return flat.gradients();
    }

    @Override
    public float forwardBackward(Batch batch) {
        OutAndGrad result = sd.calculateGradientsAndOutputs(feed(batch.inputs(), batch.targets()),
                List.of(LOSS), List.of(TABLE));
        flat.gradient(TABLE).assign(result.getGradients().get(TABLE));
        return result.getOutputs().get(LOSS).getFloat(0);
    }

    @Override
    public float loss(Batch batch) {
        return (float) lossAsDouble(batch);
    }

    /** {@link #loss} in the model's own precision, for checking gradients. */
    double lossAsDouble(Batch batch) {
        return sd.output(feed(batch.inputs(), batch.targets()), LOSS).get(LOSS).getDouble(0);
    }

    @Override
    public float[] nextTokenLogits(int[] context) {
        if (context.length == 0) {
            throw new IllegalArgumentException("context must hold at least one token");
        }
        int[] last = {context[context.length - 1]};
        INDArray logits = sd.output(feed(last, null), LOGITS).get(LOGITS);
        return logits.castTo(DataType.FLOAT).toFloatVector();
    }

    @Override
    public void close() {
        flat.close();
    }

    private void buildGraph() {
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        SDVariable table = sd.var(TABLE, flat.parameter(TABLE));                    // [V, V]
        DataType dataType = flat.parameters().dataType();

        SDVariable idx = sd.placeHolder(INPUTS, DataType.INT32, -1);                // [N]
        SDVariable targets = sd.placeHolder(TARGETS, DataType.INT32, -1);           // [N]
        SDVariable logits = sd.oneHot(idx, vocabSize, -1, 1.0, 0.0, dataType)
                .mmul(LOGITS, table);                                              // [N, V]
        SDVariable labels = sd.oneHot(targets, vocabSize, -1, 1.0, 0.0, dataType); // [N, V]
        sd.loss.softmaxCrossEntropy(LOSS, labels, logits, null,
                LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);                     // []
        sd.setLossVariables(LOSS);
    }

    private Map<String, INDArray> feed(int[] inputs, int[] targets) {
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(INPUTS, Nd4j.createFromArray(inputs));
        if (targets != null) {
            feed.put(TARGETS, Nd4j.createFromArray(targets));
        }
        return feed;
    }
}
