package io.cohort.model;

/**
 * Settings of the {@link AdamW} optimizer and its learning-rate schedule.
 *
 * <p>The schedule: during the first {@code warmupSteps} steps the rate rises linearly to
 * {@code learningRate} (step {@code s} gets {@code learningRate * (s + 1) / warmupSteps});
 * afterwards it stays at {@code learningRate} when {@code decaySteps} is 0, or else falls along
 * a half cosine to {@code minLearningRate} over {@code decaySteps} steps and stays there.
 *
 * <p>Immutable and validated on construction: a bad field is named in the exception together
 * with the range it must lie in.
 *
 * @param learningRate    peak step size, in (0, 1]
 * @param beta1           decay of the first-moment (mean) estimate, in [0, 1)
 * @param beta2           decay of the second-moment (uncentered variance) estimate, in [0, 1)
 * @param epsilon         added to the root of the second moment, in (0, 1)
 * @param weightDecay     decoupled weight decay per unit learning rate, in [0, 1)
 * @param gradClipNorm    clip the gradient to this global L2 norm; 0 turns clipping off
 * @param warmupSteps     steps of linear warm-up, at least 0
 * @param decaySteps      steps of cosine decay after warm-up; 0 keeps the rate constant
 * @param minLearningRate the rate at the end of the decay, in [0, learningRate]
 */
public record AdamWConfig(
        double learningRate,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        double gradClipNorm,
        long warmupSteps,
        long decaySteps,
        double minLearningRate) {

    /** PyTorch's default learning rate for AdamW. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;

    /** PyTorch's default first-moment decay. */
    public static final double DEFAULT_BETA1 = 0.9;

    /** PyTorch's default second-moment decay. */
    public static final double DEFAULT_BETA2 = 0.999;

    /** PyTorch's default epsilon. */
    public static final double DEFAULT_EPSILON = 1e-8;

    /** PyTorch's default decoupled weight decay for AdamW. */
    public static final double DEFAULT_WEIGHT_DECAY = 0.01;

    public AdamWConfig {
        requireIn("learningRate", learningRate, 0.0, false, 1.0, true);
        requireIn("beta1", beta1, 0.0, true, 1.0, false);
        requireIn("beta2", beta2, 0.0, true, 1.0, false);
        requireIn("epsilon", epsilon, 0.0, false, 1.0, false);
        requireIn("weightDecay", weightDecay, 0.0, true, 1.0, false);
        if (!(gradClipNorm >= 0.0 && gradClipNorm < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("gradClipNorm must be at least 0 (0 turns"
                    + " clipping off) and finite, got " + gradClipNorm);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be at least 0, got "
                    + warmupSteps);
        }
        if (decaySteps < 0) {
            throw new IllegalArgumentException("decaySteps must be at least 0 (0 keeps the"
                    + " learning rate constant), got " + decaySteps);
        }
        if (!(minLearningRate >= 0.0 && minLearningRate <= learningRate)) {
            throw new IllegalArgumentException("minLearningRate must be in [0, learningRate = "
                    + learningRate + "], got " + minLearningRate);
        }
    }

    /** PyTorch's defaults: rate 1e-3, betas 0.9 and 0.999, epsilon 1e-8, weight decay 0.01. */
    public static AdamWConfig defaults() {
        return new AdamWConfig(DEFAULT_LEARNING_RATE, DEFAULT_BETA1, DEFAULT_BETA2,
                DEFAULT_EPSILON, DEFAULT_WEIGHT_DECAY, 0.0, 0, 0, 0.0);
    }

    /** This config with peak rate {@code rate}; the minimum rate is capped at it. */
    public AdamWConfig withLearningRate(double rate) {
        return new AdamWConfig(rate, beta1, beta2, epsilon, weightDecay, gradClipNorm,
                warmupSteps, decaySteps, Math.min(minLearningRate, rate));
    }

    /** This config with weight decay {@code decay}. */
    public AdamWConfig withWeightDecay(double decay) {
        return new AdamWConfig(learningRate, beta1, beta2, epsilon, decay, gradClipNorm,
                warmupSteps, decaySteps, minLearningRate);
    }

    /** This config with gradient clipping at global norm {@code maxNorm} (0 turns it off). */
    public AdamWConfig withGradClipNorm(double maxNorm) {
        return new AdamWConfig(learningRate, beta1, beta2, epsilon, weightDecay, maxNorm,
                warmupSteps, decaySteps, minLearningRate);
    }

    /** This config with the given warm-up, cosine decay and final rate. */
    public AdamWConfig withSchedule(long warmup, long decay, double minRate) {
        return new AdamWConfig(learningRate, beta1, beta2, epsilon, weightDecay, gradClipNorm,
                warmup, decay, minRate);
    }

    /** The learning rate of the update that step {@code step} (counted from 0) applies. */
    public double learningRateAt(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be at least 0, got " + step);
        }
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        if (decaySteps == 0) {
            return learningRate;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        double cosine = 0.5 * (1.0 + Math.cos(Math.PI * progress));
        return minLearningRate + cosine * (learningRate - minLearningRate);
    }

    private static void requireIn(String field, double value, double low, boolean lowIncluded,
            double high, boolean highIncluded) {
        boolean aboveLow = lowIncluded ? value >= low : value > low;
        boolean belowHigh = highIncluded ? value <= high : value < high;
        if (!(aboveLow && belowHigh)) {
            throw new IllegalArgumentException(field + " must be in " + (lowIncluded ? "[" : "(")
                    + low + ", " + high + (highIncluded ? "]" : ")") + ", got " + value);
        }
    }
}
