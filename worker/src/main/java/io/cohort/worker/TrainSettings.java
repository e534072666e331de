package io.cohort.worker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.cohort.model.AdamWConfig;
import io.cohort.model.GptConfig;
import io.cohort.model.Preset;

/**
 * Everything that defines a training run's arithmetic: the model, the optimizer, the batch, and
 * the schedule of evaluations, samples and checkpoints. Read once from {@code cohort.train}
 * and validated; every worker of a run builds its replica from the same settings.
 */
public record TrainSettings(
        String preset,
        String modelKind,
        long steps,
        long seed,
        int batchSize,
        int blockSize,
        int nEmbd,
        int nHead,
        int nLayer,
        double dropout,
        GptConfig.Norm norm,
        GptConfig.Activation activation,
        AdamWConfig optimizer,
        int evalIntervalSteps,
        int evalIters,
        int sampleIntervalSteps,
        int sampleTokens,
        int checkpointIntervalSteps,
        int checkIntervalSteps) {

    public TrainSettings {
        if (!modelKind.equals("gpt") && !modelKind.equals("bigram")) {
            throw new IllegalArgumentException(
                    "train.model must be one of gpt, bigram; got '" + modelKind + "'");
        }
        requirePositive("train.steps", steps);
        requirePositive("train.batch-size", batchSize);
        requireNonNegative("train.eval-interval-steps", evalIntervalSteps);
        requirePositive("train.eval-iters", evalIters);
        requireNonNegative("train.sample-interval-steps", sampleIntervalSteps);
        requireNonNegative("train.sample-tokens", sampleTokens);
        requireNonNegative("train.checkpoint-interval-steps", checkpointIntervalSteps);
        requireNonNegative("train.check-interval-steps", checkIntervalSteps);
    }

    /** Reads and validates {@code cohort.train} of {@code root}. */
    public static TrainSettings from(Config root) {
        Config c = root.getConfig("cohort.train");
        try {
            Preset preset = Preset.named(c.getString("preset"));
            Config o = c.getConfig("optimizer");
            double learningRate = c.hasPath("learning-rate")
                    ? c.getDouble("learning-rate") : preset.learningRate();
            AdamWConfig optimizer = new AdamWConfig(learningRate,
                    o.getDouble("beta1"), o.getDouble("beta2"), o.getDouble("epsilon"),
                    o.getDouble("weight-decay"), o.getDouble("grad-clip-norm"),
                    o.getInt("warmup-steps"), o.getLong("decay-steps"),
                    o.getDouble("min-learning-rate"));
            return new TrainSettings(
                    preset.name(),
                    c.getString("model"),
                    c.getLong("steps"),
                    c.getLong("seed"),
                    intOr(c, "batch-size", preset.batchSize()),
                    intOr(c, "block-size", preset.blockSize()),
                    intOr(c, "n-embd", preset.nEmbd()),
                    intOr(c, "n-head", preset.nHead()),
                    intOr(c, "n-layer", preset.nLayer()),
                    c.hasPath("dropout") ? c.getDouble("dropout") : preset.dropout(),
                    GptConfig.Norm.parse(c.getString("norm")),
                    GptConfig.Activation.parse(c.getString("activation")),
                    optimizer,
                    c.getInt("eval-interval-steps"),
                    c.getInt("eval-iters"),
                    c.getInt("sample-interval-steps"),
                    c.getInt("sample-tokens"),
                    c.getInt("checkpoint-interval-steps"),
                    c.getInt("check-interval-steps"));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("bad setting: " + e.getMessage(), e);
        }
    }

    /** The GPT shape for a corpus of {@code vocabSize} characters. */
    public GptConfig gpt(int vocabSize) {
        return new GptConfig(vocabSize, blockSize, nEmbd, nHead, nLayer, dropout, norm,
                activation);
    }

    /** Tokens in one global batch. */
    public long tokensPerStep() {
        return (long) batchSize * blockSize;
    }

    private static int intOr(Config c, String key, int fallback) {
        return c.hasPath(key) ? c.getInt(key) : fallback;
    }

    private static void requirePositive(String key, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, got " + value);
        }
    }

    private static void requireNonNegative(String key, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(key + " must be 0 or more, got " + value);
        }
    }
}
