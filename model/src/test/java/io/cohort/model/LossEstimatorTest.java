package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LossEstimatorTest {

    private static final int BLOCK = 8;

    private final TextCorpus corpus = TextCorpus.fromText("letters", randomLetters(4_000));

    @Test
    void shouldGiveTheSameEstimateWhenTheSeedIsTheSame() {
        try (TableLanguageModel model = randomModel()) {
            LossEstimator.Estimate first = LossEstimator.estimate(model, corpus, 5, 4, 31);
            LossEstimator.Estimate again = LossEstimator.estimate(model, corpus, 5, 4, 31);
            LossEstimator.Estimate other = LossEstimator.estimate(model, corpus, 5, 4, 32);

            assertEquals(first, again);
            assertNotEquals(first.trainLoss(), other.trainLoss());
            assertNotEquals(first.validationLoss(), other.validationLoss());
        }
    }

    @Test
    void shouldEstimateLogVocabWhenTheModelPredictsUniformly() {
        int vocab = corpus.tokenizer().vocabSize();
        try (TableLanguageModel uniform = new TableLanguageModel(new float[vocab][vocab], BLOCK)) {
            LossEstimator.Estimate estimate = LossEstimator.estimate(uniform, corpus, 3, 4, 1);

            assertEquals(Math.log(vocab), estimate.trainLoss(), 1e-6);
            assertEquals(Math.log(vocab), estimate.validationLoss(), 1e-6);
        }
    }

    @Test
    void shouldUseDropoutFreeLossOnlyWhenEstimating() {
        try (TableLanguageModel model = randomModel()) {
            LossEstimator.estimate(model, corpus, 4, 2, 5);

            assertEquals(8, model.lossCalls());
            assertEquals(0, model.forwardBackwardCalls());
        }
    }

    @Test
    void shouldNameEvalItersWhenItIsNotPositive() {
        try (TableLanguageModel model = randomModel()) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> LossEstimator.estimate(model, corpus, 0, 4, 1));

            assertTrue(error.getMessage().startsWith("evalIters"), error.getMessage());
        }
    }

    private TableLanguageModel randomModel() {
        int vocab = corpus.tokenizer().vocabSize();
        Random random = new Random(8);
        float[][] table = new float[vocab][vocab];
        for (float[] row : table) {
            for (int j = 0; j < vocab; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return new TableLanguageModel(table, BLOCK);
    }

    private static String randomLetters(int length) {
        Random random = new Random(2);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + random.nextInt(12)));
        }
        return text.toString();
    }
}
