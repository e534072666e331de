package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdamWTest {

    private static final int N = 9;
    private static final int STEPS = 8;

    @Test
    void shouldMatchReferenceMathWhenDecayClippingAndScheduleAreOn() {
        AdamWConfig config = new AdamWConfig(0.05, 0.8, 0.95, 1e-6, 0.1, 1.5, 2, 4, 0.005);
        double[][] grads = randomGradients(new Random(3), 1.0);

        assertMatchesReference(config, grads);
    }

    @Test
    void shouldMatchReferenceMathWhenDefaultsAreUsed() {
        double[][] grads = randomGradients(new Random(4), 0.01);

        assertMatchesReference(AdamWConfig.defaults(), grads);
    }

    @Test
    void shouldRecordTheNormBeforeClippingWhenClipping() {
        AdamW optimizer = new AdamW(AdamWConfig.defaults().withGradClipNorm(1.0), 2);
        INDArray params = Nd4j.createFromArray(new float[] {0.5f, -0.5f});

        optimizer.step(params, Nd4j.createFromArray(new float[] {30f, -40f}));

        assertEquals(50.0, optimizer.lastGradNorm(), 1e-5);
        assertEquals(1, optimizer.stepsTaken());
    }

    @Test
    void shouldComputeTheNormOfAViewWhenTheGradientIsPartOfALargerBuffer() {
        INDArray whole = Nd4j.createFromArray(new float[] {100f, 3f, 4f, 12f, 100f});
        INDArray view = whole.get(NDArrayIndex.interval(1, 4));

        assertEquals(13.0, AdamW.globalNorm(view), 1e-12);
        assertEquals(Math.sqrt(20_169.0), AdamW.globalNorm(whole), 1e-9);
    }

    @Test
    void shouldLeaveTheGradientAloneWhenStepping() {
        AdamW optimizer = new AdamW(AdamWConfig.defaults().withGradClipNorm(0.1), 3);
        INDArray grads = Nd4j.createFromArray(new float[] {1f, 2f, 3f});

        optimizer.step(Nd4j.createFromArray(new float[] {1f, 1f, 1f}), grads);

        assertArrayEquals(new float[] {1f, 2f, 3f}, grads.toFloatVector());
    }

    @Test
    void shouldContinueIdenticallyWhenRestoredFromAnotherOptimizersState() {
        AdamWConfig config = new AdamWConfig(0.01, 0.9, 0.99, 1e-8, 0.05, 0.5, 3, 10, 0.001);
        double[][] grads = randomGradients(new Random(5), 1.0);
        AdamW original = new AdamW(config, N);
        INDArray params = Nd4j.createFromArray(toFloats(randomParameters()));
        for (int step = 0; step < 4; step++) {
            original.step(params, Nd4j.createFromArray(toFloats(grads[step])));
        }

        AdamW restored = new AdamW(config, N);
        restored.restore(original.stepsTaken(), original.firstMoment().dup(),
                original.secondMoment().dup());
        INDArray restoredParams = params.dup();
        for (int step = 4; step < STEPS; step++) {
            INDArray g = Nd4j.createFromArray(toFloats(grads[step]));
            original.step(params, g);
            restored.step(restoredParams, g);
        }

        assertArrayEquals(params.toFloatVector(), restoredParams.toFloatVector());
        assertEquals(STEPS, restored.stepsTaken());
    }

    @Test
    void shouldFollowWarmupThenCosineWhenScheduling() {
        AdamWConfig config = AdamWConfig.defaults().withLearningRate(0.1)
                .withSchedule(4, 100, 0.02);

        assertEquals(0.025, config.learningRateAt(0), 1e-12);
        assertEquals(0.1, config.learningRateAt(3), 1e-12);
        assertEquals(0.1, config.learningRateAt(4), 1e-12);
        assertEquals(0.06, config.learningRateAt(54), 1e-12);
        assertEquals(0.02, config.learningRateAt(104), 1e-12);
        assertEquals(0.02, config.learningRateAt(10_000), 1e-12);
        assertTrue(config.learningRateAt(30) > config.learningRateAt(31));
    }

    @Test
    void shouldKeepTheRateWhenDecayStepsIsZero() {
        AdamWConfig config = AdamWConfig.defaults().withSchedule(0, 0, 0.0);

        assertEquals(AdamWConfig.DEFAULT_LEARNING_RATE, config.learningRateAt(0));
        assertEquals(AdamWConfig.DEFAULT_LEARNING_RATE, config.learningRateAt(1_000_000));
    }

    @Test
    void shouldNameTheFieldAndItsRangeWhenAConfigValueIsBad() {
        IllegalArgumentException beta = assertThrows(IllegalArgumentException.class,
                () -> new AdamWConfig(1e-3, 1.0, 0.999, 1e-8, 0.01, 0, 0, 0, 0));
        IllegalArgumentException minRate = assertThrows(IllegalArgumentException.class,
                () -> AdamWConfig.defaults().withSchedule(10, 100, 0.5));

        assertTrue(beta.getMessage().startsWith("beta1 must be in [0.0, 1.0)"),
                beta.getMessage());
        assertTrue(minRate.getMessage().startsWith("minLearningRate must be in [0"),
                minRate.getMessage());
    }

    @Test
    void shouldRefuseBuffersWhenTheirLengthDiffers() {
        AdamW optimizer = new AdamW(AdamWConfig.defaults(), 4);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> optimizer.step(Nd4j.zeros(4), Nd4j.zeros(5)));

        assertTrue(error.getMessage().contains("length 4"), error.getMessage());
    }

    /**
     * Runs the optimizer and, beside it, the update written out in plain doubles: PyTorch's
     * AdamW with its global-norm clipping, one scalar at a time.
     */
    private static void assertMatchesReference(AdamWConfig config, double[][] grads) {
        double[] p = randomParameters();
        double[] m = new double[N];
        double[] v = new double[N];
        AdamW optimizer = new AdamW(config, N);
        INDArray params = Nd4j.createFromArray(toFloats(p));

        for (int step = 0; step < STEPS; step++) {
            optimizer.step(params, Nd4j.createFromArray(toFloats(grads[step])));

            double norm = 0.0;
            for (double g : grads[step]) {
                norm += g * g;
            }
            norm = Math.sqrt(norm);
            double clip = config.gradClipNorm() > 0 && norm > config.gradClipNorm()
                    ? config.gradClipNorm() / (norm + 1e-6) : 1.0;
            double lr = config.learningRateAt(step);
            int t = step + 1;
            for (int i = 0; i < N; i++) {
                double g = grads[step][i] * clip;
                p[i] *= 1.0 - lr * config.weightDecay();
                m[i] = config.beta1() * m[i] + (1.0 - config.beta1()) * g;
                v[i] = config.beta2() * v[i] + (1.0 - config.beta2()) * g * g;
                double mHat = m[i] / (1.0 - Math.pow(config.beta1(), t));
                double vHat = v[i] / (1.0 - Math.pow(config.beta2(), t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + config.epsilon());
            }

            assertEquals(norm, optimizer.lastGradNorm(), norm * 1e-12, "norm at step " + step);
            assertClose(p, params.toFloatVector(), "parameters after step " + step);
            assertClose(m, optimizer.firstMoment().toFloatVector(), "m after step " + step);
            assertClose(v, optimizer.secondMoment().toFloatVector(), "v after step " + step);
        }
        assertEquals(STEPS, optimizer.stepsTaken());
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 1e-6 + 1e-5 * Math.abs(expected[i]);
            assertEquals(expected[i], actual[i], tolerance, what + " [" + i + "]");
        }
    }

    private static double[] randomParameters() {
        Random random = new Random(1);
        double[] p = new double[N];
        for (int i = 0; i < N; i++) {
            p[i] = (float) random.nextGaussian();
        }
        return p;
    }

    /** Gradients of varied size, so that some steps are clipped and others are not. */
    private static double[][] randomGradients(Random random, double scale) {
        double[][] grads = new double[STEPS][N];
        for (int step = 0; step < STEPS; step++) {
            double stepScale = scale * (step % 2 == 0 ? 2.0 : 0.1);
            for (int i = 0; i < N; i++) {
                grads[step][i] = (float) (random.nextGaussian() * stepScale);
            }
        }
        return grads;
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
