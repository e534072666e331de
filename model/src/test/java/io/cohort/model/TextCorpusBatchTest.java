package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TextCorpusBatchTest {

    private static final int BLOCK = 8;

    private final TextCorpus corpus = TextCorpus.fromText("random", randomText(5_000, 42));

    @Test
    void shouldDrawTheSameBatchWhenSeedAndStepAreTheSame() {
        Batch first = corpus.trainBatch(7, 3, 16, BLOCK, 0, 1);
        Batch again = TextCorpus.fromText("random", randomText(5_000, 42))
                .trainBatch(7, 3, 16, BLOCK, 0, 1);

        assertArrayEquals(first.inputs(), again.inputs());
        assertArrayEquals(first.targets(), again.targets());
    }

    @Test
    void shouldDrawDifferentBatchesWhenStepOrSeedDiffers() {
        int[] base = corpus.trainBatch(7, 3, 16, BLOCK, 0, 1).inputs();

        assertFalse(Arrays.equals(base, corpus.trainBatch(7, 4, 16, BLOCK, 0, 1).inputs()));
        assertFalse(Arrays.equals(base, corpus.trainBatch(8, 3, 16, BLOCK, 0, 1).inputs()));
    }

    @Test
    void shouldEqualTheOneWorkerBatchWhenRankSlicesAreConcatenated() {
        int globalBatch = 12;
        Batch whole = corpus.trainBatch(99, 5, globalBatch, BLOCK, 0, 1);

        for (int workers = 1; workers <= 4; workers++) {
            int[] inputs = new int[0];
            int[] targets = new int[0];
            for (int rank = 0; rank < workers; rank++) {
                Batch slice = corpus.trainBatch(99, 5, globalBatch, BLOCK, rank, workers);
                assertEquals(globalBatch / workers, slice.batchSize());
                inputs = concat(inputs, slice.inputs());
                targets = concat(targets, slice.targets());
            }
            assertArrayEquals(whole.inputs(), inputs, "inputs with " + workers + " workers");
            assertArrayEquals(whole.targets(), targets, "targets with " + workers + " workers");
        }
    }

    @Test
    void shouldShiftTargetsByOneWhenDrawingWindowsOfTheTrainingSplit() {
        int[] train = corpus.trainTokens();
        Batch batch = corpus.trainBatch(1, 0, 32, BLOCK, 0, 1);

        for (int row = 0; row < batch.batchSize(); row++) {
            int[] window = new int[BLOCK + 1];
            System.arraycopy(batch.inputs(), row * BLOCK, window, 0, BLOCK);
            window[BLOCK] = batch.targets()[row * BLOCK + BLOCK - 1];
            int[] targets = Arrays.copyOfRange(batch.targets(), row * BLOCK, (row + 1) * BLOCK);
            assertArrayEquals(Arrays.copyOfRange(window, 1, BLOCK + 1), targets);
            assertTrue(occursIn(train, window), "row " + row + " is not a window of the split");
        }
    }

    @Test
    void shouldDrawOnlyFromEachSplitWhenSamplingTrainAndValidation() {
        TextCorpus halves = TextCorpus.fromText("halves", "ab".repeat(450) + "xy".repeat(50));
        int a = halves.tokenizer().encode("a")[0];
        int b = halves.tokenizer().encode("b")[0];

        for (int step = 0; step < 20; step++) {
            Set<Integer> train = tokens(halves.trainBatch(3, step, 4, 16, 0, 1));
            Set<Integer> validation = tokens(halves.validationBatch(3, step, 4, 16));
            assertEquals(Set.of(a, b), train);
            assertFalse(validation.contains(a) || validation.contains(b), "validation " + step);
        }
    }

    @Test
    void shouldTakeTheOnlyWindowWhenTheSplitIsOneTokenLongerThanTheBlock() {
        TextCorpus exact = TextCorpus.fromText("exact", "0123456789".repeat(10));
        int[] train = exact.trainTokens();

        Batch batch = exact.trainBatch(5, 0, 3, train.length - 1, 0, 1);

        for (int row = 0; row < 3; row++) {
            int from = row * (train.length - 1);
            int to = from + train.length - 1;
            assertArrayEquals(Arrays.copyOf(train, train.length - 1),
                    Arrays.copyOfRange(batch.inputs(), from, to));
            assertArrayEquals(Arrays.copyOfRange(train, 1, train.length),
                    Arrays.copyOfRange(batch.targets(), from, to));
        }
    }

    @Test
    void shouldDrawFreshWindowsWhenEstimatingTheTrainingLoss() {
        Batch training = corpus.trainBatch(11, 0, 16, BLOCK, 0, 1);
        Batch evaluation = corpus.evaluationBatch(TextCorpus.Split.TRAIN, 11, 0, 16, BLOCK);

        assertFalse(Arrays.equals(training.inputs(), evaluation.inputs()));
    }

    @Test
    void shouldNameBothNumbersWhenTheBatchDoesNotDivideAmongWorkers() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> corpus.trainBatch(1, 0, 10, BLOCK, 0, 3));

        assertTrue(error.getMessage().contains("10"), error.getMessage());
        assertTrue(error.getMessage().contains("3 workers"), error.getMessage());
    }

    @Test
    void shouldRefuseARankOutsideTheWorldWhenSlicing() {
        assertThrows(IllegalArgumentException.class,
                () -> corpus.trainBatch(1, 0, 8, BLOCK, 2, 2));
        assertThrows(IllegalArgumentException.class,
                () -> corpus.trainBatchRows(1, 0, 8, BLOCK, 4, 9));
    }

    private static String randomText(int length, long seed) {
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private static int[] concat(int[] a, int[] b) {
        return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
    }

    private static Set<Integer> tokens(Batch batch) {
        Set<Integer> seen = new HashSet<>();
        IntStream.of(batch.inputs()).forEach(seen::add);
        IntStream.of(batch.targets()).forEach(seen::add);
        return seen;
    }

    private static boolean occursIn(int[] tokens, int[] window) {
        for (int start = 0; start + window.length <= tokens.length; start++) {
            if (Arrays.equals(tokens, start, start + window.length, window, 0, window.length)) {
                return true;
            }
        }
        return false;
    }
}
