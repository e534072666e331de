package io.cohort.model;

import io.cohort.model.FlatParameters.Init;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decoder-only transformer of the course, as a SameDiff graph: token and learned position
 * embeddings, {@code nLayer} {@link Block}s, a final LayerNorm and a linear head with bias.
 *
 * <p>Flat parameter layout, in this order ({@code C = nEmbd}, {@code V = vocabSize}; every
 * weight is stored {@code [in, out]} so a layer is {@code x @ W + b}):
 * <ol>
 *   <li>{@code wte [V, C]}, {@code wpe [blockSize, C]}</li>
 *   <li>for each layer {@code i}: {@code h.i.ln1.gain [C]}, {@code h.i.ln1.bias [C]},
 *       {@code h.i.attn.qkv.weight [C, 3C]}, {@code h.i.attn.proj.weight [C, C]},
 *       {@code h.i.attn.proj.bias [C]}, {@code h.i.ln2.gain [C]}, {@code h.i.ln2.bias [C]},
 *       {@code h.i.mlp.fc.weight [C, 4C]}, {@code h.i.mlp.fc.bias [4C]},
 *       {@code h.i.mlp.proj.weight [4C, C]}, {@code h.i.mlp.proj.bias [C]}</li>
 *   <li>{@code ln_f.gain [C]}, {@code ln_f.bias [C]}, {@code lm_head.weight [C, V]},
 *       {@code lm_head.bias [V]}</li>
 * </ol>
 * Weights and embeddings start as N(0, 0.02), biases as 0, LayerNorm gains as 1.
 *
 * <p>Dropout masks come from a generator reseeded on every {@link #forwardBackward} call from
 * the dropout seed and a call counter, so two replicas with the same seed and the same calls
 * compute the same results. Not thread-safe: one replica is used by one thread at a time
 * (SameDiff keeps one inference session, with its array cache, per calling thread, so a
 * dedicated thread per replica also keeps memory down).
 *
 * <p>Every call reuses the arrays of the previous one ({@link StepArrayPool}), so a step
 * allocates no native memory once the first has run.
 *
 * <p>Note: on one CPU thread a step of the small preset still costs about three times
 * PyTorch's; besides the matrix products (about 170 ms of 370), most time goes to SameDiff's
 * {@code standardize_bp}, {@code softmax_bp} and the bias reductions, which run far below
 * memory bandwidth.
 */
public final class Gpt implements LanguageModel {

    private static final Logger LOG = LoggerFactory.getLogger(Gpt.class);

    private final GptConfig config;
    private final FlatParameters flat;
    private final List<String> names;
    private final Map<Integer, GptGraph> graphs = new HashMap<>();
    private final Random dropoutRandom;
    private long dropoutSeed;
    private long dropoutCalls;

    private Gpt(GptConfig config, FlatParameters flat, long seed) {
        this.config = config;
        this.flat = flat;
        this.names = flat.names();
        this.dropoutRandom = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        this.dropoutSeed = seed;
    }

    /** A float32 GPT whose initial parameters are drawn from {@code seed}. */
    public static Gpt create(GptConfig config, long seed) {
        return create(config, seed, DataType.FLOAT);
    }

    /**
     * A GPT whose parameters, activations and gradients are of {@code dataType}: FLOAT for
     * training, DOUBLE for checking gradients against finite differences.
     */
    public static Gpt create(GptConfig config, long seed, DataType dataType) {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException(
                    "dataType must be FLOAT or DOUBLE, got " + dataType);
        }
        FlatParameters.Builder parameters = FlatParameters.builder();
        declare(parameters, config);
        Gpt gpt = new Gpt(config, parameters.build(dataType, seed), seed);
        LOG.info("Created GPT with {} parameters: {}", gpt.parameterCount(), config);
        return gpt;
    }

    public GptConfig config() {
        return config;
    }

    /** Every tensor in the flat buffers, in layout order, with its shape and offset. */
    public List<ParameterSpec> parameterLayout() {
        return flat.layout();
    }

    /** Restarts the dropout stream: the next calls draw masks as a model created with it. */
    public void setDropoutSeed(long seed) {
        this.dropoutSeed = seed;
        this.dropoutCalls = 0;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int blockSize() {
        return config.blockSize();
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
        GptGraph graph = graph(batch.blockSize());
        Random random = config.dropout() > 0.0 ? nextDropoutRandom() : null;
        Map<String, INDArray> feed =
                graph.feed(batch.batchSize(), batch.inputs(), batch.targets(), random);

        StepArrayPool.forCurrentThread(graph.gradientFunction()).recycle();
        OutAndGrad result = graph.sameDiff()
                .calculateGradientsAndOutputs(feed, List.of(GptGraph.LOSS), names);

        Map<String, INDArray> gradients = result.getGradients();
        for (String name : names) {
            flat.gradient(name).assign(gradients.get(name));
        }
        return result.getOutputs().get(GptGraph.LOSS).getFloat(0);
    }

    @Override
    public float loss(Batch batch) {
        return (float) lossAsDouble(batch);
    }

    /** {@link #loss} in the model's own precision, for checking gradients. */
    double lossAsDouble(Batch batch) {
        GptGraph graph = graph(batch.blockSize());
        Map<String, INDArray> feed =
                graph.feed(batch.batchSize(), batch.inputs(), batch.targets(), null);
        StepArrayPool.forCurrentThread(graph.sameDiff()).recycle();
        return graph.sameDiff().output(feed, GptGraph.LOSS).get(GptGraph.LOSS).getDouble(0);
    }

    @Override
    public float[] nextTokenLogits(int[] context) {
        if (context.length == 0) {
            throw new IllegalArgumentException("context must hold at least one token");
        }
        int t = config.blockSize();
        int used = Math.min(context.length, t);
        int[] padded = new int[t];
        System.arraycopy(context, context.length - used, padded, 0, used);

        // Positions after the context do not influence earlier ones (the mask is causal), so
        // padding on the right lets every context length share the one graph of length T.
        return logits(padded)[used - 1];
    }

    /**
     * Logits at every position of one sequence of at most {@code blockSize} tokens, with
     * dropout off: {@code [tokens.length][vocabSize]}.
     */
    public float[][] logits(int[] tokens) {
        if (tokens.length < 1 || tokens.length > config.blockSize()) {
            throw new IllegalArgumentException("sequence length must be in [1, "
                    + config.blockSize() + "], got " + tokens.length);
        }
        GptGraph graph = graph(tokens.length);
        Map<String, INDArray> feed = graph.feed(1, tokens, null, null);
        StepArrayPool.forCurrentThread(graph.sameDiff()).recycle();
        INDArray logits = graph.sameDiff().output(feed, GptGraph.LOGITS).get(GptGraph.LOGITS);
        return logits.castTo(DataType.FLOAT).toFloatMatrix();
    }

    /** The graph for sequences of length {@code sequenceLength}, for profiling. */
    SameDiff graphFor(int sequenceLength) {
        return graph(sequenceLength).sameDiff();
    }

    @Override
    public void close() {
        for (GptGraph graph : graphs.values()) {
            graph.closeSessions();
        }
        graphs.clear();
        flat.close();
    }

    private static void declare(FlatParameters.Builder parameters, GptConfig config) {
        long c = config.nEmbd();
        long v = config.vocabSize();
        parameters.add("wte", Init.NORMAL, v, c)
                .add("wpe", Init.NORMAL, config.blockSize(), c);
        for (int layer = 0; layer < config.nLayer(); layer++) {
            Block.declare(parameters, "h." + layer + ".", config);
        }
        Block.declareLayerNorm(parameters, "ln_f.", config);
        parameters.add("lm_head.weight", Init.NORMAL, c, v)
                .add("lm_head.bias", Init.ZEROS, v);
    }

    private GptGraph graph(int sequenceLength) {
        if (sequenceLength > config.blockSize()) {
            throw new IllegalArgumentException("sequence length " + sequenceLength
                    + " exceeds the model's blockSize " + config.blockSize());
        }
        return graphs.computeIfAbsent(sequenceLength, this::build);
    }

    private GptGraph build(int t) {
        GptGraph graph = new GptGraph(config, t, flat);
        SameDiff sd = graph.sameDiff();
        long c = config.nEmbd();

        SDVariable idx = sd.placeHolder(GptGraph.INPUTS, DataType.INT32, -1);     // [B*T]
        SDVariable targets = sd.placeHolder(GptGraph.TARGETS, DataType.INT32, -1); // [B*T]

        // A one-hot product rather than a gather: its gradient is one matrix product.
        SDVariable tok = sd.oneHot(idx, config.vocabSize(), -1, 1.0, 0.0, graph.dataType())
                .mmul(graph.param("wte"));                                        // [B*T, C]
        SDVariable pos = t == config.blockSize() ? graph.param("wpe")
                : sd.slice(graph.param("wpe"), new int[] {0, 0}, t, (int) c);    // [T, C]
        SDVariable x = sd.reshape(sd.reshape(tok, -1, t, c).add(pos), -1, c);    // [B*T, C]

        for (int layer = 0; layer < config.nLayer(); layer++) {
            x = Block.apply(graph, "h." + layer + ".", x);                       // [B*T, C]
        }
        x = Block.layerNorm(graph, "ln_f.", x);
        SDVariable logits = sd.nn.linear(GptGraph.LOGITS, x, graph.param("lm_head.weight"),
                graph.param("lm_head.bias"));                                    // [B*T, V]

        SDVariable labels = sd.oneHot(targets, config.vocabSize(), -1, 1.0, 0.0,
                graph.dataType());                                               // [B*T, V]
        sd.loss.softmaxCrossEntropy(GptGraph.LOSS, labels, logits, null,
                LossReduce.MEAN_BY_NONZERO_WEIGHT_COUNT, 0.0);                   // []
        sd.setLossVariables(GptGraph.LOSS);
        sd.createGradFunction();
        LOG.debug("Built GPT graph for T={}", t);
        return graph;
    }

    private Random nextDropoutRandom() {
        long mixed = dropoutSeed + 0x9E3779B97F4A7C15L * ++dropoutCalls;
        mixed = (mixed ^ (mixed >>> 30)) * 0xBF58476D1CE4E5B9L;
        mixed = (mixed ^ (mixed >>> 27)) * 0x94D049BB133111EBL;
        dropoutRandom.setSeed(mixed ^ (mixed >>> 31));
        return dropoutRandom;
    }
}
