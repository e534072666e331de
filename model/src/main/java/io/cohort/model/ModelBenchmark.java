package io.cohort.model;

import java.util.Locale;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures how fast one replica runs forward and backward passes of a preset's GPT on random
 * token batches of the preset's batch size. Threads come from {@code OMP_NUM_THREADS}.
 */
public final class ModelBenchmark {

    /** The vocabulary size used when none is given: a typical character set of English text. */
    public static final int DEFAULT_VOCAB_SIZE = 65;

    private static final Logger LOG = LoggerFactory.getLogger(ModelBenchmark.class);

    private ModelBenchmark() {
    }

    /**
     * One measurement.
     *
     * @param params     trainable parameters of the model
     * @param tokensPerS tokens (batch size times block size) through forward and backward per
     *                   second
     * @param msPerStep  mean milliseconds per forward and backward pass
     */
    public record Result(long params, double tokensPerS, double msPerStep) {

        /** One JSON line: {@code {"params":..,"tokens_per_s":..,"ms_per_step":..}}. */
        public String toJson() {
            return String.format(Locale.ROOT,
                    "{\"params\":%d,\"tokens_per_s\":%.1f,\"ms_per_step\":%.2f}",
                    params, tokensPerS, msPerStep);
        }
    }

    /** Times {@code steps} passes after {@code warmupSteps} untimed ones, vocabulary 65. */
    public static Result run(Preset preset, int steps, int warmupSteps, long seed) {
        return run(preset, DEFAULT_VOCAB_SIZE, steps, warmupSteps, seed);
    }

    /** Times {@code steps} passes after {@code warmupSteps} untimed ones. */
    public static Result run(Preset preset, int vocabSize, int steps, int warmupSteps,
            long seed) {
        if (steps < 1 || warmupSteps < 0) {
            throw new IllegalArgumentException("steps must be at least 1 and warmupSteps at "
                    + "least 0, got " + steps + " and " + warmupSteps);
        }
        try (Gpt gpt = Gpt.create(preset.gpt(vocabSize), seed)) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < warmupSteps; i++) {
                gpt.forwardBackward(randomBatch(preset, vocabSize, random));
            }

            long elapsedNs = 0;
            for (int i = 0; i < steps; i++) {
                Batch batch = randomBatch(preset, vocabSize, random);
                long start = System.nanoTime();
                gpt.forwardBackward(batch);
                elapsedNs += System.nanoTime() - start;
            }

            double msPerStep = elapsedNs / 1e6 / steps;
            double tokens = (double) preset.batchSize() * preset.blockSize() * steps;
            Result result = new Result(gpt.parameterCount(), tokens / (elapsedNs / 1e9),
                    msPerStep);
            LOG.info("Benchmark of preset {}: {}", preset.name(), result.toJson());
            return result;
        }
    }

    /** Prints one JSON line; arguments: preset name, steps, warm-up steps. */
    public static void main(String[] args) {
        Preset preset = Preset.named(args.length > 0 ? args[0] : "small");
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        System.out.println(run(preset, steps, warmup, 1L).toJson());
    }

    static Batch randomBatch(Preset preset, int vocabSize, SplittableRandom random) {
        int length = preset.batchSize() * preset.blockSize();
        int[] inputs = new int[length];
        int[] targets = new int[length];
        for (int i = 0; i < length; i++) {
            inputs[i] = random.nextInt(vocabSize);
            targets[i] = random.nextInt(vocabSize);
        }
        return new Batch(preset.batchSize(), preset.blockSize(), inputs, targets);
    }
}
