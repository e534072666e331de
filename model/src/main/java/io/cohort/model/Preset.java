package io.cohort.model;

import java.util.List;

/**
 * A named model size with the training defaults that suit it.
 *
 * @param name         the preset's name, as given on the command line
 * @param blockSize    the context length T
 * @param nEmbd        the embedding width C
 * @param nHead        attention heads per block
 * @param nLayer       transformer blocks
 * @param dropout      drop probability while training
 * @param batchSize    sequences per global batch
 * @param learningRate AdamW learning rate
 */
public record Preset(
        String name,
        int blockSize,
        int nEmbd,
        int nHead,
        int nLayer,
        double dropout,
        int batchSize,
        double learningRate) {

    /** A model small enough for tests: trains in milliseconds per step. */
    public static final Preset TINY = new Preset("tiny", 16, 32, 2, 2, 0.0, 8, 1e-3);

    /** The CPU default: about 0.8M parameters with a 65-character vocabulary. */
    public static final Preset SMALL = new Preset("small", 64, 128, 4, 4, 0.0, 32, 1e-3);

    /** The course's full model: about 7M parameters. */
    public static final Preset COURSE = new Preset("course", 128, 384, 4, 4, 0.2, 32, 3e-4);

    private static final List<Preset> ALL = List.of(TINY, SMALL, COURSE);

    /** Every preset, smallest first. */
    public static List<Preset> all() {
        return ALL;
    }

    /** The preset called {@code name} (case-insensitive). */
    public static Preset named(String name) {
        for (Preset preset : ALL) {
            if (preset.name.equalsIgnoreCase(name == null ? "" : name.trim())) {
                return preset;
            }
        }
        throw new IllegalArgumentException(
                "unknown preset '" + name + "'; choose one of tiny, small, course");
    }

    /** The GPT of this size over {@code vocabSize} tokens: post-norm, ReLU, validated. */
    public GptConfig gpt(int vocabSize) {
        return new GptConfig(vocabSize, blockSize, nEmbd, nHead, nLayer, dropout,
                GptConfig.Norm.POST, GptConfig.Activation.RELU);
    }
}
