package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Compares a model's analytic gradients with central finite differences of its loss. */
final class GradientCheck {

    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-4;
    /** Below this size both gradients count as zero; the loss is O(1), so this is noise. */
    private static final double ABSOLUTE_FLOOR = 1e-8;

    private GradientCheck() {
    }

    /**
     * Checks {@code samplesPerTensor} entries of every tensor of {@code layout}; the model's
     * gradients must already hold the gradient of {@code batch}.
     */
    static void assertGradientsMatch(LanguageModel model, Batch batch, List<ParameterSpec> layout,
            int samplesPerTensor) {
        INDArray parameters = model.parameters();
        INDArray analytic = model.gradients().dup();
        SplittableRandom random = new SplittableRandom(17L);
        for (ParameterSpec spec : layout) {
            for (int s = 0; s < Math.min(samplesPerTensor, spec.length()); s++) {
                long index = spec.offset() + random.nextLong(spec.length());
                double numeric = centralDifference(model, batch, parameters, index);
                double expected = analytic.getDouble(index);
                double error = Math.abs(numeric - expected);
                double scale = Math.max(Math.abs(numeric), Math.abs(expected));
                assertTrue(error <= MAX_RELATIVE_ERROR * scale + ABSOLUTE_FLOOR,
                        spec.name() + "[" + (index - spec.offset()) + "]: analytic " + expected
                                + ", numeric " + numeric);
            }
        }
    }

    private static double centralDifference(LanguageModel model, Batch batch, INDArray parameters,
            long index) {
        double original = parameters.getDouble(index);
        parameters.putScalar(index, original + EPSILON);
        double plus = lossInDouble(model, batch);
        parameters.putScalar(index, original - EPSILON);
        double minus = lossInDouble(model, batch);
        parameters.putScalar(index, original);
        return (plus - minus) / (2 * EPSILON);
    }

    private static double lossInDouble(LanguageModel model, Batch batch) {
        if (model instanceof Gpt gpt) {
            return gpt.lossAsDouble(batch);
        }
        if (model instanceof Bigram bigram) {
            return bigram.lossAsDouble(batch);
        }
        throw new IllegalArgumentException("no double-precision loss for " + model);
    }
}
