package io.cohort.model;

/**
 * Windows of token ids and their next-token targets, row-major {@code [batchSize, blockSize]}:
 * {@code targets[i]} is the token that follows {@code inputs[i]} in the corpus.
 */
public record Batch(int batchSize, int blockSize, int[] inputs, int[] targets) {

    public Batch {
        int expected = batchSize * blockSize;
        if (batchSize < 1 || blockSize < 1) {
            throw new IllegalArgumentException(
                    "batch shape must be positive, got [" + batchSize + ", " + blockSize + "]");
        }
        if (inputs.length != expected || targets.length != expected) {
            throw new IllegalArgumentException("batch [" + batchSize + ", " + blockSize
                    + "] needs " + expected + " inputs and targets, got " + inputs.length
                    + " and " + targets.length);
        }
    }
}
