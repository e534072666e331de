package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SamplerTest {

    private static final int VOCAB = 6;
    private static final int BLOCK = 4;

    private final float[][] table = randomTable(new Random(17));
    private final TableLanguageModel model = new TableLanguageModel(table, BLOCK);

    @AfterEach
    void closeModel() {
        model.close();
    }

    @Test
    void shouldGiveTheSameTokensWhenTheSeedIsTheSame() {
        int[] first = Sampler.generate(model, new int[] {1, 2}, 200, 1.0, 0, 123);
        int[] again = Sampler.generate(model, new int[] {1, 2}, 200, 1.0, 0, 123);
        int[] other = Sampler.generate(model, new int[] {1, 2}, 200, 1.0, 0, 124);

        assertEquals(200, first.length);
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other));
    }

    @Test
    void shouldFollowTheArgmaxWhenTopKIsOne() {
        int[] sampled = Sampler.generate(model, new int[] {3}, 50, 5.0, 1, 9);

        int previous = 3;
        for (int i = 0; i < sampled.length; i++) {
            assertEquals(argmax(table[previous]), sampled[i], "token " + i);
            previous = sampled[i];
        }
    }

    @Test
    void shouldDrawOnlyTheTopTwoWhenTopKIsTwo() {
        int[] sampled = Sampler.generate(model, new int[] {0}, 500, 3.0, 2, 4);

        int previous = 0;
        for (int token : sampled) {
            float[] sorted = table[previous].clone();
            Arrays.sort(sorted);
            assertTrue(table[previous][token] >= sorted[VOCAB - 2], "token " + token
                    + " after " + previous + " is not among the top two");
            previous = token;
        }
    }

    @Test
    void shouldMatchTheSoftmaxWhenSamplingManyTokens() {
        float[] logits = {0.0f, 1.0f, -1.0f, 2.0f, 0.5f, -3.0f};
        float[][] sameEverywhere = new float[VOCAB][];
        Arrays.fill(sameEverywhere, logits);

        for (double temperature : new double[] {1.0, 2.0}) {
            try (TableLanguageModel uniformContext = new TableLanguageModel(sameEverywhere, 2)) {
                int draws = 20_000;
                int[] counts = new int[VOCAB];
                for (int token : Sampler.generate(uniformContext, new int[0], draws,
                        temperature, 0, 77)) {
                    counts[token]++;
                }
                double[] expected = softmax(logits, temperature);
                for (int i = 0; i < VOCAB; i++) {
                    assertEquals(expected[i], counts[i] / (double) draws, 0.012,
                            "frequency of token " + i + " at temperature " + temperature);
                }
            }
        }
    }

    @Test
    void shouldStartFromTokenZeroWhenThePromptIsEmpty() {
        int[] sampled = Sampler.generate(model, new int[0], 1, 1.0, 1, 0);

        assertEquals(argmax(table[0]), sampled[0]);
    }

    @Test
    void shouldCropTheContextToTheBlockSizeWhenGenerating() {
        Sampler.generate(model, new int[] {1, 2, 3, 4, 5, 0, 1}, 20, 1.0, 0, 1);

        assertEquals(BLOCK, model.longestContext());
    }

    @Test
    void shouldStreamEachTokenInOrderWhenGivenACallback() {
        List<Integer> streamed = new ArrayList<>();

        int[] sampled = Sampler.generate(model, new int[] {2}, 30, 0.8, 3, 5, streamed::add);

        assertArrayEquals(sampled, streamed.stream().mapToInt(Integer::intValue).toArray());
    }

    @Test
    void shouldSayWhatIsAllowedWhenTemperatureOrTopKIsBad() {
        IllegalArgumentException temperature = assertThrows(IllegalArgumentException.class,
                () -> Sampler.generate(model, new int[] {1}, 5, 0.0, 0, 1));
        IllegalArgumentException topK = assertThrows(IllegalArgumentException.class,
                () -> Sampler.generate(model, new int[] {1}, 5, 1.0, VOCAB + 1, 1));
        IllegalArgumentException prompt = assertThrows(IllegalArgumentException.class,
                () -> Sampler.generate(model, new int[] {1, VOCAB}, 5, 1.0, 0, 1));

        assertTrue(temperature.getMessage().contains("temperature must be positive"),
                temperature.getMessage());
        assertTrue(topK.getMessage().contains("topK must be in [0, 6]"), topK.getMessage());
        assertTrue(prompt.getMessage().contains("position 1"), prompt.getMessage());
    }

    private static float[][] randomTable(Random random) {
        float[][] rows = new float[VOCAB][VOCAB];
        for (float[] row : rows) {
            for (int j = 0; j < VOCAB; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return rows;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double[] softmax(float[] logits, double temperature) {
        double[] p = new double[logits.length];
        double total = 0.0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] / temperature);
            total += p[i];
        }
        for (int i = 0; i < logits.length; i++) {
            p[i] /= total;
        }
        return p;
    }
}
