package io.cohort.model;

/**
 * Estimates a model's loss on the training and the validation split: the mean cross-entropy
 * over a number of random batches of each, with dropout off.
 *
 * <p>The batches are a pure function of the seed ({@link TextCorpus#evaluationBatch}), so two
 * estimates with the same seed, of the same model, give the same numbers, and two models are
 * compared on the same batches.
 */
public final class LossEstimator {

    /** The mean losses of one estimate. */
    public record Estimate(double trainLoss, double validationLoss) {
    }

    private LossEstimator() {
    }

    /**
     * Mean loss over {@code evalIters} batches of {@code batchSize} windows of the model's
     * block size from each split.
     *
     * @throws CorpusException when a split is shorter than one window
     */
    public static Estimate estimate(LanguageModel model, TextCorpus corpus, int evalIters,
            int batchSize, long seed) {
        if (evalIters < 1) {
            throw new IllegalArgumentException("evalIters must be at least 1, got " + evalIters);
        }
        corpus.validateFor(model.blockSize());
        double train = meanLoss(model, corpus, TextCorpus.Split.TRAIN, evalIters, batchSize,
                seed);
        double validation = meanLoss(model, corpus, TextCorpus.Split.VALIDATION, evalIters,
                batchSize, seed);
        return new Estimate(train, validation);
    }

    private static double meanLoss(LanguageModel model, TextCorpus corpus,
            TextCorpus.Split split, int evalIters, int batchSize, long seed) {
        double sum = 0.0;
        for (int i = 0; i < evalIters; i++) {
            Batch batch = corpus.evaluationBatch(split, seed, i, batchSize, model.blockSize());
            sum += model.loss(batch);
        }
        return sum / evalIters;
    }
}
