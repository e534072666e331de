package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class GptConfigTest {

    private static final GptConfig.Norm POST = GptConfig.Norm.POST;
    private static final GptConfig.Activation RELU = GptConfig.Activation.RELU;

    @Test
    void shouldNameVocabSizeWhenBelowTwo() {
        assertRejected("vocabSize must be at least 2, got 1",
                () -> new GptConfig(1, 8, 16, 2, 1, 0.0, POST, RELU));
    }

    @Test
    void shouldNameBlockSizeWhenNotPositive() {
        assertRejected("blockSize must be at least 1, got 0",
                () -> new GptConfig(10, 0, 16, 2, 1, 0.0, POST, RELU));
    }

    @Test
    void shouldNameNEmbdWhenNotPositive() {
        assertRejected("nEmbd must be at least 1, got 0",
                () -> new GptConfig(10, 8, 0, 2, 1, 0.0, POST, RELU));
    }

    @Test
    void shouldNameNHeadWhenNotPositive() {
        assertRejected("nHead must be at least 1, got 0",
                () -> new GptConfig(10, 8, 16, 0, 1, 0.0, POST, RELU));
    }

    @Test
    void shouldNameNLayerWhenNotPositive() {
        assertRejected("nLayer must be at least 1, got -1",
                () -> new GptConfig(10, 8, 16, 2, -1, 0.0, POST, RELU));
    }

    @Test
    void shouldNameBothFieldsWhenNEmbdIsNotDivisibleByNHead() {
        assertRejected("nEmbd (10) must be divisible by nHead (3)",
                () -> new GptConfig(10, 8, 10, 3, 1, 0.0, POST, RELU));
    }

    @Test
    void shouldNameDropoutWhenOutsideTheUnitInterval() {
        assertRejected("dropout must be in [0, 1), got 1.0",
                () -> new GptConfig(10, 8, 16, 2, 1, 1.0, POST, RELU));
        assertRejected("dropout must be in [0, 1), got NaN",
                () -> new GptConfig(10, 8, 16, 2, 1, Double.NaN, POST, RELU));
    }

    @Test
    void shouldNameNormWhenMissingOrUnknown() {
        assertRejected("norm must be one of pre, post; got null",
                () -> new GptConfig(10, 8, 16, 2, 1, 0.0, null, RELU));
        assertRejected("norm must be one of post, pre; got 'middle'",
                () -> GptConfig.Norm.parse("middle"));
    }

    @Test
    void shouldNameActivationWhenMissingOrUnknown() {
        assertRejected("activation must be one of relu, gelu, tanh, sigmoid; got null",
                () -> new GptConfig(10, 8, 16, 2, 1, 0.0, POST, null));
        assertRejected("activation must be one of relu, gelu, tanh, sigmoid; got 'swish'",
                () -> GptConfig.Activation.parse("swish"));
    }

    @Test
    void shouldParseNamesWhateverTheirCase() {
        assertEquals(GptConfig.Norm.PRE, GptConfig.Norm.parse(" Pre "));
        assertEquals(GptConfig.Activation.GELU, GptConfig.Activation.parse("GELU"));
    }

    private static void assertRejected(String message, Executable construction) {
        assertEquals(message,
                assertThrows(IllegalArgumentException.class, construction).getMessage());
    }
}
