package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GptTest {

    private static final GptConfig TINY = new GptConfig(11, 6, 8, 2, 2, 0.0,
            GptConfig.Norm.POST, GptConfig.Activation.RELU);

    @ParameterizedTest
    @CsvSource({"POST, RELU", "PRE, GELU"})
    void shouldMatchFiniteDifferencesWhenCheckingGradientsInDoublePrecision(GptConfig.Norm norm,
            GptConfig.Activation activation) {
        // One block holds every kind of tensor; the embeddings' gradients pass through all of it.
        GptConfig config = new GptConfig(7, 4, 8, 2, 1, 0.0, norm, activation);
        try (Gpt gpt = Gpt.create(config, 3L, DataType.DOUBLE)) {
            Batch batch = randomBatch(config.vocabSize(), 3, 4, 11L);
            gpt.forwardBackward(batch);
            GradientCheck.assertGradientsMatch(gpt, batch, gpt.parameterLayout(), 3);
        }
    }

    @Test
    void shouldLeaveEarlierLogitsUnchangedWhenALaterTokenChanges() {
        try (Gpt gpt = Gpt.create(TINY, 5L)) {
            int[] tokens = {1, 2, 3, 4, 5, 6};
            float[][] before = gpt.logits(tokens);
            for (int t = 0; t + 1 < tokens.length; t++) {
                int[] changed = tokens.clone();
                changed[t + 1] = (changed[t + 1] + 3) % TINY.vocabSize();
                float[][] after = gpt.logits(changed);
                for (int p = 0; p <= t; p++) {
                    assertArrayEquals(before[p], after[p], 1e-6f, "position " + p);
                }
                assertFalse(java.util.Arrays.equals(before[t + 1], after[t + 1]),
                        "the changed position " + (t + 1) + " should see its new token");
            }
        }
    }

    @Test
    void shouldPredictFromTheLastContextTokenWhenAskedForTheNextToken() {
        try (Gpt gpt = Gpt.create(TINY, 5L)) {
            int[] context = {3, 1, 4};
            assertArrayEquals(gpt.logits(context)[2], gpt.nextTokenLogits(context), 1e-5f);

            int[] longContext = {1, 2, 3, 4, 5, 6, 7, 8, 9};
            int[] lastBlock = {4, 5, 6, 7, 8, 9};
            assertArrayEquals(gpt.logits(lastBlock)[5], gpt.nextTokenLogits(longContext), 1e-5f);
        }
    }

    @Test
    void shouldNameTheLimitWhenASequenceIsLongerThanTheBlock() {
        try (Gpt gpt = Gpt.create(TINY, 5L)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gpt.loss(randomBatch(TINY.vocabSize(), 1, 7, 1L)));
            assertEquals("sequence length 7 exceeds the model's blockSize 6", e.getMessage());
        }
    }

    @Test
    void shouldBeIdenticalWhenCreatedWithTheSameSeed() {
        Batch batch = randomBatch(TINY.vocabSize(), 4, TINY.blockSize(), 1L);
        try (Gpt a = Gpt.create(TINY, 42L); Gpt b = Gpt.create(TINY, 42L)) {
            assertEquals(a.parameters(), b.parameters());
            assertEquals(a.forwardBackward(batch), b.forwardBackward(batch));
            assertEquals(a.gradients(), b.gradients());
        }
    }

    @Test
    void shouldDifferWhenCreatedWithAnotherSeed() {
        try (Gpt a = Gpt.create(TINY, 42L); Gpt b = Gpt.create(TINY, 43L)) {
            assertNotEquals(a.parameters(), b.parameters());
        }
    }

    @Test
    void shouldDrawTheSameDropoutMasksWhenReplicasShareASeed() {
        GptConfig config = TINY.withDropout(0.3);
        Batch batch = randomBatch(config.vocabSize(), 4, config.blockSize(), 2L);
        try (Gpt a = Gpt.create(config, 9L); Gpt b = Gpt.create(config, 9L)) {
            float first = a.forwardBackward(batch);
            assertEquals(first, b.forwardBackward(batch));
            assertEquals(a.gradients(), b.gradients());

            float second = a.forwardBackward(batch);
            assertNotEquals(first, second, "each call should draw fresh masks");

            a.setDropoutSeed(77L);
            b.setDropoutSeed(77L);
            assertEquals(a.forwardBackward(batch), b.forwardBackward(batch));
            assertNotEquals(a.loss(batch), a.forwardBackward(batch),
                    "dropout should be on in forwardBackward and off in loss");
        }
    }

    @Test
    void shouldReportTheSameLossFromForwardBackwardAndLossWhenDropoutIsZero() {
        Batch batch = randomBatch(TINY.vocabSize(), 4, TINY.blockSize(), 3L);
        try (Gpt gpt = Gpt.create(TINY, 1L)) {
            float loss = gpt.loss(batch);
            assertEquals(loss, gpt.forwardBackward(batch), 1e-6f);
            assertEquals(Math.log(TINY.vocabSize()), loss, 0.1,
                    "an untrained model should be about uniform over the vocabulary");
        }
    }

    @Test
    void shouldKeepTheFlatBuffersWhenTraining() {
        try (Gpt gpt = Gpt.create(TINY, 1L)) {
            INDArray parameters = gpt.parameters();
            INDArray gradients = gpt.gradients();
            long parametersAddress = parameters.data().address();
            long gradientsAddress = gradients.data().address();
            gpt.forwardBackward(randomBatch(TINY.vocabSize(), 2, TINY.blockSize(), 4L));

            assertTrue(parameters == gpt.parameters() && gradients == gpt.gradients());
            assertEquals(parametersAddress, gpt.parameters().data().address());
            assertEquals(gradientsAddress, gpt.gradients().data().address());
            long total = gpt.parameterLayout().stream().mapToLong(ParameterSpec::length).sum();
            assertEquals(gpt.parameterCount(), total);
        }
    }

    @Test
    void shouldLowerTheLossWhenDescendingTheFlatGradient() {
        Batch batch = randomBatch(TINY.vocabSize(), 4, TINY.blockSize(), 5L);
        try (Gpt gpt = Gpt.create(TINY, 1L)) {
            float first = gpt.forwardBackward(batch);
            float last = first;
            for (int step = 0; step < 30; step++) {
                gpt.parameters().subi(gpt.gradients().mul(0.5));
                last = gpt.forwardBackward(batch);
            }
            assertTrue(last < first * 0.8, "loss went from " + first + " to " + last);
            assertEquals(last, gpt.loss(batch), 1e-5f);
        }
    }

    static Batch randomBatch(int vocabSize, int batchSize, int blockSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] inputs = new int[batchSize * blockSize];
        int[] targets = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = random.nextInt(vocabSize);
            targets[i] = random.nextInt(vocabSize);
        }
        return new Batch(batchSize, blockSize, inputs, targets);
    }
}
