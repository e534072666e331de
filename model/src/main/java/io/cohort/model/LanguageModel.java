package io.cohort.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One replica of a trainable character-level language model (the GPT or the bigram baseline).
 *
 * <p>All trainable parameters live in one contiguous float32 buffer, {@link #parameters()}, and
 * their gradients in another of the same length, {@link #gradients()}: the optimizer and the
 * all-reduce each work on one flat buffer. Both buffers are owned by the model and stay the same
 * objects (same memory) for its whole life.
 */
public interface LanguageModel extends AutoCloseable {

    /** The vocabulary size the model predicts over. */
    int vocabSize();

    /** The longest context the model attends over. */
    int blockSize();

    /** Number of trainable scalars, the length of {@link #parameters()}. */
    long parameterCount();

    /** Flat float32 view of every trainable parameter, length {@link #parameterCount()}. */
    INDArray parameters();

    /** Flat float32 gradients, laid out like {@link #parameters()}. */
    INDArray gradients();

    /**
     * Forward and backward pass with dropout on: fills {@link #gradients()} with the gradient of
     * the mean cross-entropy over every position of {@code batch}, and returns that mean loss.
     */
    float forwardBackward(Batch batch);

    /** Mean cross-entropy over {@code batch} with dropout off; leaves the gradients alone. */
    float loss(Batch batch);

    /**
     * Logits for the token after {@code context}, with dropout off. A context longer than
     * {@link #blockSize()} is cropped to its last {@code blockSize} tokens.
     */
    float[] nextTokenLogits(int[] context);

    /**
     * Seeds the dropout masks of the next forward passes. Replicas given the same seed before
     * the same calls draw the same masks; a model without dropout ignores it.
     */
    default void setDropoutSeed(long seed) {
    }

    /** Releases native memory; the model is unusable afterwards. */
    @Override
    void close();
}
