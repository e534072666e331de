package io.cohort.model;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Generates text from a {@link LanguageModel} one token at a time: the next token is drawn from
 * the softmax of the model's logits divided by a temperature, optionally restricted to the
 * {@code topK} most likely tokens.
 *
 * <p>Deterministic: the same model, prompt, settings and seed give the same tokens. An empty
 * prompt starts from token 0, as the course's generation does; that token is context, not
 * output. The context passed to the model is its last {@code blockSize} tokens.
 */
public final class Sampler {

    private Sampler() {
    }

    /**
     * Samples {@code maxNewTokens} tokens after {@code prompt}.
     *
     * @param temperature divides the logits; must be positive (1 samples the model as it is,
     *                    lower is more conservative)
     * @param topK        sample only among the {@code topK} largest logits (ties with the
     *                    smallest of them included); 0 samples among all
     * @return the new tokens only, without the prompt
     */
    public static int[] generate(LanguageModel model, int[] prompt, int maxNewTokens,
            double temperature, int topK, long seed) {
        return generate(model, prompt, maxNewTokens, temperature, topK, seed, token -> { });
    }

    /**
     * As {@link #generate(LanguageModel, int[], int, double, int, long)}, handing each new
     * token to {@code onToken} as soon as it is drawn (for streaming output). An exception
     * thrown by {@code onToken} stops the generation.
     */
    public static int[] generate(LanguageModel model, int[] prompt, int maxNewTokens,
            double temperature, int topK, long seed, IntConsumer onToken) {
        int vocabSize = model.vocabSize();
        validate(prompt, maxNewTokens, temperature, topK, vocabSize);

        int[] sequence = prompt.length == 0 ? new int[] {0} : prompt.clone();
        int[] generated = new int[maxNewTokens];
        double[] weights = new double[vocabSize];
        SplittableRandom random = new SplittableRandom(seed);

        int length = sequence.length;
        sequence = Arrays.copyOf(sequence, length + maxNewTokens);
        for (int i = 0; i < maxNewTokens; i++) {
            int from = Math.max(0, length - model.blockSize());
            float[] logits = model.nextTokenLogits(Arrays.copyOfRange(sequence, from, length));
            int token = draw(logits, temperature, topK, weights, random);
            sequence[length++] = token;
            generated[i] = token;
            onToken.accept(token);
        }
        return generated;
    }

    /** Draws one token from {@code softmax(logits / temperature)} restricted to the top k. */
    static int draw(float[] logits, double temperature, int topK, double[] weights,
            SplittableRandom random) {
        if (logits.length != weights.length) {
            throw new IllegalStateException("model returned " + logits.length
                    + " logits for a vocabulary of " + weights.length);
        }
        double threshold = topK == 0 ? Double.NEGATIVE_INFINITY : kthLargest(logits, topK);
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }

        double total = 0.0;
        for (int i = 0; i < logits.length; i++) {
            weights[i] = logits[i] >= threshold ? Math.exp((logits[i] - max) / temperature) : 0.0;
            total += weights[i];
        }

        double target = random.nextDouble() * total;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0.0) {
                target -= weights[i];
                last = i;
                if (target < 0.0) {
                    return i;
                }
            }
        }
        return last;
    }

    private static double kthLargest(float[] logits, int k) {
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length - k];
    }

    private static void validate(int[] prompt, int maxNewTokens, double temperature, int topK,
            int vocabSize) {
        if (!(temperature > 0.0 && temperature < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got "
                    + temperature + "; use a small value such as 0.1 for near-greedy sampling");
        }
        if (topK < 0 || topK > vocabSize) {
            throw new IllegalArgumentException("topK must be in [0, " + vocabSize
                    + "] (0 samples among all tokens), got " + topK);
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be at least 0, got "
                    + maxNewTokens);
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocabSize) {
                throw new IllegalArgumentException("prompt token " + prompt[i] + " at position "
                        + i + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
    }
}
