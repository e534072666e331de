package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BigramTest {

    @Test
    void shouldMatchFiniteDifferencesWhenCheckingGradientsInDoublePrecision() {
        try (Bigram bigram = Bigram.create(6, 5, 2L, DataType.DOUBLE)) {
            Batch batch = GptTest.randomBatch(6, 3, 5, 8L);
            bigram.forwardBackward(batch);
            GradientCheck.assertGradientsMatch(bigram, batch, bigram.parameterLayout(), 20);
        }
    }

    @Test
    void shouldReadTheNextTokenLogitsFromTheRowOfTheLastToken() {
        try (Bigram bigram = Bigram.create(5, 8, 3L)) {
            float[] row = bigram.parameters().reshape(5, 5).getRow(2).toFloatVector();
            assertArrayEquals(row, bigram.nextTokenLogits(new int[] {4, 0, 2}), 0f);
            assertArrayEquals(row, bigram.nextTokenLogits(new int[] {2}), 0f);
        }
    }

    @Test
    void shouldStartNearUniformAndLearnWhenDescendingTheFlatGradient() {
        Batch batch = GptTest.randomBatch(7, 4, 8, 1L);
        try (Bigram bigram = Bigram.create(7, 8, 1L)) {
            float first = bigram.loss(batch);
            assertEquals(Math.log(7), first, 0.05);
            assertEquals(first, bigram.forwardBackward(batch), 1e-6f);

            float last = first;
            for (int step = 0; step < 20; step++) {
                bigram.parameters().subi(bigram.gradients().mul(5.0));
                last = bigram.forwardBackward(batch);
            }
            assertTrue(last < first * 0.8, "loss went from " + first + " to " + last);
        }
    }

    @Test
    void shouldBeIdenticalWhenCreatedWithTheSameSeed() {
        try (Bigram a = Bigram.create(9, 4, 5L); Bigram b = Bigram.create(9, 4, 5L);
                Bigram c = Bigram.create(9, 4, 6L)) {
            assertEquals(a.parameters(), b.parameters());
            assertTrue(!a.parameters().equals(c.parameters()));
        }
    }

    @Test
    void shouldNameTheFieldWhenTheVocabularyIsTooSmall() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Bigram.create(1, 4, 0L));
        assertEquals("vocabSize must be at least 2, got 1", e.getMessage());
    }
}
