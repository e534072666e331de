package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CharTokenizerTest {

    @Test
    void shouldRoundTripTextWhenEveryCharacterIsInTheVocabulary() {
        String text = "Dorothy lived\nin the midst of the great Kansas prairies. ÄÖ 😀!";
        CharTokenizer tokenizer = CharTokenizer.fromText(text);

        assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
        assertEquals(text.codePointCount(0, text.length()), tokenizer.encode(text).length);
    }

    @Test
    void shouldSortDistinctCodePointsWhenBuildingTheVocabulary() {
        CharTokenizer tokenizer = CharTokenizer.fromText("cabbage\n😀");

        assertEquals("\nabceg😀", tokenizer.vocabulary());
        assertEquals(7, tokenizer.vocabSize());
        assertArrayEquals(new int[] {3, 1, 2, 2, 1, 5, 4}, tokenizer.encode("cabbage"));
    }

    @Test
    void shouldGiveTheSameIdsWhenRebuiltFromItsVocabulary() {
        CharTokenizer original = CharTokenizer.fromText("to be or not to be");
        CharTokenizer rebuilt = CharTokenizer.fromVocabulary(original.vocabulary());

        assertArrayEquals(original.encode("not to be"), rebuilt.encode("not to be"));
    }

    @Test
    void shouldUseTheGivenOrderWhenTheVocabularyIsNotSorted() {
        CharTokenizer tokenizer = CharTokenizer.fromVocabulary("zyx");

        assertArrayEquals(new int[] {2, 1, 0}, tokenizer.encode("xyz"));
        assertEquals("zx", tokenizer.decode(new int[] {0, 2}));
    }

    @Test
    void shouldNameCharacterAndPositionWhenEncodingAnUnknownCharacter() {
        CharTokenizer tokenizer = CharTokenizer.fromText("abc");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.encode("abcaQb"));

        assertTrue(error.getMessage().contains("'Q'"), error.getMessage());
        assertTrue(error.getMessage().contains("index 4"), error.getMessage());
    }

    @Test
    void shouldNamePositionWhenDecodingAnIdOutsideTheVocabulary() {
        CharTokenizer tokenizer = CharTokenizer.fromText("abc");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {0, 1, 3}));

        assertTrue(error.getMessage().contains("token id 3 at position 2"), error.getMessage());
    }

    @Test
    void shouldRefuseVocabularyWhenACharacterRepeats() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> CharTokenizer.fromVocabulary("abca"));

        assertTrue(error.getMessage().contains("'a'"), error.getMessage());
    }
}
