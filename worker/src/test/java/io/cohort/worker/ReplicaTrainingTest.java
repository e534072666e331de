package io.cohort.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import io.cohort.model.TextCorpus;
import io.cohort.proto.Evaluated;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One replica training alone, through the same code a worker runs: the data order, the model,
 * the optimizer and the evaluation together.
 */
class ReplicaTrainingTest {

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void shouldGiveTheSameLossCurveWhenTheSeedIsTheSame() {
        TextCorpus corpus = TextCorpus.embedded();
        TrainSettings settings = settings("preset = tiny, seed = 11");

        float[] first = lossCurve(settings, corpus, 8);
        float[] second = lossCurve(settings, corpus, 8);
        float[] otherSeed = lossCurve(settings("preset = tiny, seed = 12"), corpus, 8);

        assertArrayEquals(first, second, "the same seed must give the same curve, bit for bit");
        assertTrue(!java.util.Arrays.equals(first, otherSeed),
                "another seed must draw other batches and other initial weights");
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldBeatTheBigramModelWhenTrainedOnTheCourseCorpus() throws Exception {
        Path data = Path.of(System.getProperty("cohort.data.dir", "../shared/data"),
                "wizard_of_oz.txt");
        assumeTrue(Files.isRegularFile(data), "the course corpus is absent: " + data);
        TextCorpus corpus = TextCorpus.load(data);
        double uniform = Math.log(corpus.tokenizer().vocabSize());

        double bigram = trainAndEvaluate(settings("model = bigram, preset = tiny,"
                + " batch-size = 32, learning-rate = 0.05, eval-iters = 10"), corpus, 300);
        double gpt = trainAndEvaluate(settings("preset = tiny, block-size = 32, n-embd = 64,"
                + " n-head = 4, batch-size = 16, learning-rate = 3e-3, eval-iters = 10"),
                corpus, 400);

        assertTrue(bigram < uniform - 1.0, "the bigram model did not learn: validation loss "
                + bigram + " against ln(vocab) = " + uniform);
        assertTrue(gpt < bigram - 0.1, "the GPT's validation loss " + gpt
                + " is not clearly below the bigram model's " + bigram);
    }

    private static TrainSettings settings(String train) {
        return TrainSettings.from(ClusterConfig.settings(
                ConfigFactory.parseString("cohort.train { " + train + " }")));
    }

    private static float[] lossCurve(TrainSettings settings, TextCorpus corpus, int steps) {
        float[] curve = new float[steps];
        try (Replica replica = Replica.create(settings, corpus, 0, 1, null)) {
            for (int step = 1; step <= steps; step++) {
                curve[step - 1] = (float) replica.step(1, step, false).getLoss();
            }
        }
        return curve;
    }

    private static double trainAndEvaluate(TrainSettings settings, TextCorpus corpus,
            int steps) {
        try (Replica replica = Replica.create(settings, corpus, 0, 1, null)) {
            for (int step = 1; step <= steps; step++) {
                replica.step(1, step, false);
            }
            Evaluated evaluated = replica.evaluate(steps, 0, 1);
            assertEquals(settings.evalIters(), evaluated.getBatches());
            return evaluated.getValLossSum() / evaluated.getBatches();
        }
    }
}
