package io.cohort.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Everything a checkpoint holds: which model, its shape and vocabulary, where the run stood,
 * and the parameters with the optimizer's moments, as flat float arrays.
 *
 * <p>The arrays are held as given, not copied: they can be large. {@link Checkpoints} writes and
 * reads this state.
 *
 * @param modelKind      {@value #GPT} or {@value #BIGRAM}
 * @param config         the model's shape
 * @param vocabulary     the tokenizer's vocabulary ({@link CharTokenizer#vocabulary()})
 * @param step           training steps completed
 * @param seed           the run's seed
 * @param dataName       name of the training text
 * @param settings       the run's resolved settings, free-form; kept sorted by key
 * @param parameters     the model's flat parameters
 * @param firstMoment    the optimizer's first moment, as long as {@code parameters}
 * @param secondMoment   the optimizer's second moment, as long as {@code parameters}
 * @param optimizerSteps updates the optimizer has applied ({@link AdamW#stepsTaken()})
 */
public record CheckpointState(
        String modelKind,
        GptConfig config,
        String vocabulary,
        long step,
        long seed,
        String dataName,
        Map<String, String> settings,
        float[] parameters,
        float[] firstMoment,
        float[] secondMoment,
        long optimizerSteps) {

    /** Model kind of the GPT. */
    public static final String GPT = "gpt";

    /** Model kind of the bigram baseline. */
    public static final String BIGRAM = "bigram";

    private static final Set<String> MODEL_KINDS = Set.of(GPT, BIGRAM);

    public CheckpointState {
        if (!MODEL_KINDS.contains(modelKind)) {
            throw new IllegalArgumentException("modelKind must be one of gpt, bigram; got '"
                    + modelKind + "'");
        }
        requireNonNull("config", config);
        requireNonNull("vocabulary", vocabulary);
        requireNonNull("dataName", dataName);
        requireNonNull("parameters", parameters);
        requireNonNull("firstMoment", firstMoment);
        requireNonNull("secondMoment", secondMoment);
        int vocabularySize = vocabulary.codePointCount(0, vocabulary.length());
        if (vocabularySize != config.vocabSize()) {
            throw new IllegalArgumentException("vocabulary has " + vocabularySize
                    + " characters but config.vocabSize is " + config.vocabSize());
        }
        if (firstMoment.length != parameters.length || secondMoment.length != parameters.length) {
            throw new IllegalArgumentException("moments must be as long as the " + parameters.length
                    + " parameters, got " + firstMoment.length + " and " + secondMoment.length);
        }
        if (step < 0 || optimizerSteps < 0) {
            throw new IllegalArgumentException("step and optimizerSteps must be at least 0, got "
                    + step + " and " + optimizerSteps);
        }
        settings = Collections.unmodifiableMap(new TreeMap<>(settings == null ? Map.of()
                : settings));
    }

    /**
     * The state of a model and its optimizer now, copied out of their buffers.
     *
     * @param optimizer its moments are saved; null saves zero moments and no steps
     */
    public static CheckpointState capture(String modelKind, GptConfig config, String vocabulary,
            long step, long seed, String dataName, Map<String, String> settings,
            LanguageModel model, AdamW optimizer) {
        float[] parameters = toFloats(model.parameters());
        float[] m = optimizer == null ? new float[parameters.length]
                : toFloats(optimizer.firstMoment());
        float[] v = optimizer == null ? new float[parameters.length]
                : toFloats(optimizer.secondMoment());
        long optimizerSteps = optimizer == null ? 0 : optimizer.stepsTaken();
        return new CheckpointState(modelKind, config, vocabulary, step, seed, dataName, settings,
                parameters, m, v, optimizerSteps);
    }

    /**
     * Copies the parameters into {@code model} and, when {@code optimizer} is not null, the
     * moments and step count into it.
     *
     * @throws CheckpointException when the model's parameter count differs
     */
    public void restoreInto(LanguageModel model, AdamW optimizer) {
        if (model.parameterCount() != parameters.length) {
            throw new CheckpointException("checkpoint holds " + parameters.length
                    + " parameters but the model has " + model.parameterCount()
                    + "; it was written for a different model");
        }
        copyInto(parameters, model.parameters());
        if (optimizer != null) {
            optimizer.restore(optimizerSteps, toArray(firstMoment), toArray(secondMoment));
        }
    }

    /**
     * Checks that this checkpoint fits a model of shape {@code expected} over
     * {@code expectedVocabulary}.
     *
     * @throws CheckpointException naming the first field that differs, with both values, or
     *                             saying that the vocabulary differs
     */
    public void checkCompatible(GptConfig expected, String expectedVocabulary) {
        compare("vocabSize", config.vocabSize(), expected.vocabSize());
        compare("blockSize", config.blockSize(), expected.blockSize());
        compare("nEmbd", config.nEmbd(), expected.nEmbd());
        compare("nHead", config.nHead(), expected.nHead());
        compare("nLayer", config.nLayer(), expected.nLayer());
        compare("dropout", config.dropout(), expected.dropout());
        compare("norm", config.norm(), expected.norm());
        compare("activation", config.activation(), expected.activation());
        if (!vocabulary.equals(expectedVocabulary)) {
            int[] saved = vocabulary.codePoints().toArray();
            int[] wanted = expectedVocabulary.codePoints().toArray();
            throw new CheckpointException("checkpoint vocabulary (" + saved.length
                    + " characters) differs from the expected vocabulary (" + wanted.length
                    + " characters) from character " + firstDifference(saved, wanted)
                    + " on; use the text the checkpoint was trained on");
        }
    }

    /** A copy of a flat float32 array's values. */
    public static float[] toFloats(INDArray flat) {
        return flat.castTo(DataType.FLOAT).reshape(flat.length()).toFloatVector();
    }

    /** A new flat float32 array holding {@code values}. */
    public static INDArray toArray(float[] values) {
        return Nd4j.createFromArray(values);
    }

    /** Copies {@code values} into the flat float32 array {@code target} of the same length. */
    public static void copyInto(float[] values, INDArray target) {
        if (target.length() != values.length) {
            throw new IllegalArgumentException("cannot copy " + values.length
                    + " values into an array of length " + target.length());
        }
        target.assign(Nd4j.createFromArray(values).reshape(target.shape()));
    }

    private static void compare(String field, Object saved, Object expected) {
        if (!saved.equals(expected)) {
            throw new CheckpointException("checkpoint " + field + " is " + saved
                    + " but the configured " + field + " is " + expected
                    + "; use the checkpoint's settings or start a new run");
        }
    }

    private static int firstDifference(int[] a, int[] b) {
        int mismatch = Arrays.mismatch(a, b);
        return mismatch < 0 ? a.length : mismatch;
    }

    private static void requireNonNull(String field, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
    }
}
