package io.cohort.worker;

import io.cohort.model.AdamW;
import io.cohort.model.Batch;
import io.cohort.model.Bigram;
import io.cohort.model.CheckpointState;
import io.cohort.model.Checkpoints;
import io.cohort.model.Gpt;
import io.cohort.model.GptConfig;
import io.cohort.model.LanguageModel;
import io.cohort.model.Sampler;
import io.cohort.model.TextCorpus;
import io.cohort.proto.Evaluated;
import io.cohort.proto.StepCompleted;
import io.cohort.worker.collective.RingAllReduce;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32C;
import org.agrona.concurrent.UnsafeBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One worker's copy of the model and its optimizer, and the arithmetic of one data-parallel
 * step: forward and backward on this rank's slice of the global batch, the all-reduce of the
 * flat gradient, then the same AdamW update every replica applies. Knows nothing of actors.
 *
 * <p>Not thread-safe: one thread (the worker's device thread) drives it.
 */
public final class Replica implements AutoCloseable {

    private final TrainSettings settings;
    private final TextCorpus corpus;
    private final LanguageModel model;
    private final AdamW optimizer;
    private final int rank;
    private final int worldSize;
    private RingAllReduce ring;
    private final UnsafeBuffer gradientView;
    private final int parameterCount;
    private long completedStep;

    private Replica(TrainSettings settings, TextCorpus corpus, LanguageModel model, int rank,
            int worldSize) {
        this.settings = settings;
        this.corpus = corpus;
        this.model = model;
        this.rank = rank;
        this.worldSize = worldSize;
        this.parameterCount = Math.toIntExact(model.parameterCount());
        this.optimizer = new AdamW(settings.optimizer(), parameterCount);
        INDArray gradients = model.gradients();
        this.gradientView = new UnsafeBuffer(gradients.data().address(), parameterCount * 4);
    }

    /**
     * Builds a replica. Every rank of a run builds the same initial parameters from the run's
     * seed; with {@code resume} set, every rank loads the same checkpoint instead.
     */
    public static Replica create(TrainSettings settings, TextCorpus corpus, int rank,
            int worldSize, Path resume) {
        if (settings.batchSize() % worldSize != 0) {
            throw new IllegalArgumentException("train.batch-size (" + settings.batchSize()
                    + ") must divide evenly among " + worldSize + " workers");
        }
        corpus.validateFor(settings.blockSize());
        LanguageModel model = newModel(settings.modelKind(),
                settings.gpt(corpus.tokenizer().vocabSize()), settings.seed());
        Replica replica = new Replica(settings, corpus, model, rank, worldSize);
        if (resume != null) {
            replica.restore(Checkpoints.read(resume));
        }
        return replica;
    }

    private static LanguageModel newModel(String kind, GptConfig config, long seed) {
        if (kind.equals(CheckpointState.BIGRAM)) {
            return Bigram.create(config.vocabSize(), config.blockSize(), seed);
        }
        return Gpt.create(config, seed);
    }

    /** Sums gradients over {@code ring} from the next step on; required when there are peers. */
    public void useRing(RingAllReduce ring) {
        this.ring = ring;
    }

    /** Runs step {@code step}: forward, backward, all-reduce, update. */
    public StepCompleted step(long epoch, long step, boolean reportChecksum) {
        Batch batch = corpus.trainBatch(settings.seed(), step, settings.batchSize(),
                settings.blockSize(), rank, worldSize);
        model.setDropoutSeed(mix(settings.seed(), step, rank));

        long start = System.nanoTime();
        float loss = model.forwardBackward(batch);
        long computed = System.nanoTime();
        if (worldSize > 1) {
            ring.allReduce(step, gradientView, parameterCount);
            model.gradients().divi(worldSize);
        }
        long reduced = System.nanoTime();
        double learningRate = settings.optimizer().learningRateAt(optimizer.stepsTaken());
        optimizer.step(model.parameters(), model.gradients());
        long updated = System.nanoTime();
        completedStep = step;

        StepCompleted.Builder done = StepCompleted.newBuilder()
                .setRank(rank)
                .setEpoch(epoch)
                .setStep(step)
                .setLoss(loss)
                .setTokens((long) batch.batchSize() * batch.blockSize())
                .setComputeNs(computed - start)
                .setAllReduceNs(reduced - computed)
                .setOptimizerNs(updated - reduced)
                .setLearningRate(learningRate)
                .setGradNorm(optimizer.lastGradNorm());
        if (reportChecksum) {
            done.setHasChecksum(true).setParameterChecksum(checksum());
        }
        return done.build();
    }

    /**
     * Sums the loss over this worker's share of the evaluation batches: those whose index
     * modulo {@code stride} is {@code offset}, of each split. Dropout is off.
     */
    public Evaluated evaluate(long step, int offset, int stride) {
        double train = 0;
        double validation = 0;
        int batches = 0;
        for (int i = offset; i < settings.evalIters(); i += stride) {
            train += model.loss(corpus.evaluationBatch(TextCorpus.Split.TRAIN,
                    settings.seed(), i, settings.batchSize(), settings.blockSize()));
            validation += model.loss(corpus.evaluationBatch(TextCorpus.Split.VALIDATION,
                    settings.seed(), i, settings.batchSize(), settings.blockSize()));
            batches++;
        }
        return Evaluated.newBuilder().setRank(rank).setStep(step).setTrainLossSum(train)
                .setValLossSum(validation).setBatches(batches).build();
    }

    /** Samples {@code tokens} characters after {@code prompt}, seeded by the run and step. */
    public String sample(long step, int tokens, String prompt) {
        int[] context = prompt.isEmpty() ? new int[0] : corpus.tokenizer().encode(prompt);
        long seed = mix(settings.seed(), step, -1);
        int[] out = Sampler.generate(model, context, tokens, 1.0, 0, seed);
        return corpus.tokenizer().decode(out);
    }

    /** Writes a checkpoint of this replica's state after {@code step} (atomically). */
    public void save(Path file, long step, Map<String, String> runSettings) {
        Checkpoints.write(file, CheckpointState.capture(settings.modelKind(),
                settings.gpt(corpus.tokenizer().vocabSize()), corpus.tokenizer().vocabulary(),
                step, settings.seed(), corpus.name(), runSettings, model, optimizer));
    }

    /** A model holding a checkpoint's parameters, for sampling. */
    public static LanguageModel restoreModel(CheckpointState state) {
        LanguageModel model = newModel(state.modelKind(), state.config().withDropout(0.0),
                state.seed());
        state.restoreInto(model, null);
        return model;
    }

    private void restore(CheckpointState state) {
        state.checkCompatible(settings.gpt(corpus.tokenizer().vocabSize()),
                corpus.tokenizer().vocabulary());
        state.restoreInto(model, optimizer);
        completedStep = state.step();
    }

    /** CRC32C of the parameters' bytes: equal on every replica that is in step. */
    public long checksum() {
        ByteBuffer bytes = model.parameters().data().asNio();
        CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate().position(0).limit(parameterCount * 4));
        return crc.getValue();
    }

    /** The last step this replica completed (the checkpoint's step after a resume). */
    public long completedStep() {
        return completedStep;
    }

    public long parameterCount() {
        return parameterCount;
    }

    public LanguageModel model() {
        return model;
    }

    public String modelKind() {
        return settings.modelKind();
    }

    public int vocabSize() {
        return corpus.tokenizer().vocabSize();
    }

    @Override
    public void close() {
        model.close();
    }

    private static long mix(long seed, long step, long rank) {
        long h = seed * 0x9E3779B97F4A7C15L + step;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + rank;
        return h ^ (h >>> 29);
    }
}
