package io.cohort.model;

import java.util.Locale;

/**
 * The shape of one GPT: vocabulary, context length, width, heads, depth, and the choices the
 * course leaves open (where LayerNorm sits, which activation the feed-forward block uses).
 *
 * <p>Immutable and validated on construction: a bad field is named in the exception together
 * with the range it must lie in.
 *
 * @param vocabSize  number of distinct tokens (characters), at least 2
 * @param blockSize  the context length T, at least 1
 * @param nEmbd      the embedding width C, divisible by {@code nHead}
 * @param nHead      attention heads per block
 * @param nLayer     transformer blocks
 * @param dropout    drop probability on attention weights and residual branches, in [0, 1)
 * @param norm       LayerNorm after each residual (the course's post-norm) or before it
 * @param activation the feed-forward block's non-linearity
 */
public record GptConfig(
        int vocabSize,
        int blockSize,
        int nEmbd,
        int nHead,
        int nLayer,
        double dropout,
        Norm norm,
        Activation activation) {

    /** Where each block applies LayerNorm. */
    public enum Norm {
        /** {@code x = ln(x + f(x))}: the course's layout. */
        POST,
        /** {@code x = x + f(ln(x))}: GPT-2's layout. */
        PRE;

        public static Norm parse(String value) {
            return parseEnum(Norm.class, "norm", value);
        }
    }

    /** The feed-forward block's non-linearity. */
    public enum Activation {
        RELU,
        GELU,
        TANH,
        SIGMOID;

        public static Activation parse(String value) {
            return parseEnum(Activation.class, "activation", value);
        }
    }

    public GptConfig {
        requireAtLeast("vocabSize", vocabSize, 2);
        requireAtLeast("blockSize", blockSize, 1);
        requireAtLeast("nEmbd", nEmbd, 1);
        requireAtLeast("nHead", nHead, 1);
        requireAtLeast("nLayer", nLayer, 1);
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException(
                    "nEmbd (" + nEmbd + ") must be divisible by nHead (" + nHead + ")");
        }
        if (!(dropout >= 0.0 && dropout < 1.0)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (norm == null) {
            throw new IllegalArgumentException("norm must be one of pre, post; got null");
        }
        if (activation == null) {
            throw new IllegalArgumentException(
                    "activation must be one of relu, gelu, tanh, sigmoid; got null");
        }
    }

    /** The width of one attention head, {@code nEmbd / nHead}. */
    public int headSize() {
        return nEmbd / nHead;
    }

    public GptConfig withVocabSize(int newVocabSize) {
        return new GptConfig(newVocabSize, blockSize, nEmbd, nHead, nLayer, dropout, norm,
                activation);
    }

    public GptConfig withDropout(double newDropout) {
        return new GptConfig(vocabSize, blockSize, nEmbd, nHead, nLayer, newDropout, norm,
                activation);
    }

    private static void requireAtLeast(String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(
                    field + " must be at least " + min + ", got " + value);
        }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String field, String value) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return constant;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E constant : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : ", ")
                    .append(constant.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException(
                field + " must be one of " + allowed + "; got '" + value + "'");
    }
}
