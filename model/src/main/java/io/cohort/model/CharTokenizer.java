package io.cohort.model;

import java.util.Arrays;

/**
 * Maps each distinct character of a text to a token id and back.
 *
 * <p>A character here is a Unicode code point, so a character outside the Basic Multilingual
 * Plane (an emoji, say) is one token, not two. The vocabulary built from a text is its distinct
 * code points in ascending order, so the same text always yields the same ids.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class CharTokenizer {

    private final String vocabulary;
    private final int[] codePointOfId;

    /** Code points in ascending order, and the id of each, for binary search. */
    private final int[] sortedCodePoints;
    private final int[] idOfSorted;

    private CharTokenizer(String vocabulary) {
        this.vocabulary = vocabulary;
        this.codePointOfId = vocabulary.codePoints().toArray();
        if (codePointOfId.length == 0) {
            throw new IllegalArgumentException("vocabulary must hold at least one character");
        }

        Integer[] order = new Integer[codePointOfId.length];
        for (int id = 0; id < order.length; id++) {
            order[id] = id;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(codePointOfId[a], codePointOfId[b]));

        this.sortedCodePoints = new int[order.length];
        this.idOfSorted = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            sortedCodePoints[i] = codePointOfId[order[i]];
            idOfSorted[i] = order[i];
            if (i > 0 && sortedCodePoints[i] == sortedCodePoints[i - 1]) {
                throw new IllegalArgumentException("vocabulary holds "
                        + describe(sortedCodePoints[i]) + " twice; every character must appear"
                        + " once");
            }
        }
    }

    /** The tokenizer whose vocabulary is the distinct characters of {@code text}, sorted. */
    public static CharTokenizer fromText(String text) {
        int[] distinct = text.codePoints().sorted().distinct().toArray();
        if (distinct.length == 0) {
            throw new IllegalArgumentException("cannot build a vocabulary from an empty text");
        }
        return new CharTokenizer(new String(distinct, 0, distinct.length));
    }

    /**
     * The tokenizer with the given vocabulary: the character at code point index {@code i} of
     * {@code vocabulary} gets id {@code i}. Every character must appear once.
     */
    public static CharTokenizer fromVocabulary(String vocabulary) {
        return new CharTokenizer(vocabulary);
    }

    /** The distinct characters in id order; {@link #fromVocabulary} rebuilds this tokenizer. */
    public String vocabulary() {
        return vocabulary;
    }

    /** Number of distinct tokens. */
    public int vocabSize() {
        return codePointOfId.length;
    }

    /**
     * The token ids of {@code text}, one per code point.
     *
     * @throws IllegalArgumentException naming the first character that is not in the vocabulary
     *                                  and its index in {@code text}
     */
    public int[] encode(String text) {
        int[] tokens = new int[text.codePointCount(0, text.length())];
        int index = 0;
        int count = 0;
        while (index < text.length()) {
            int codePoint = text.codePointAt(index);
            int found = Arrays.binarySearch(sortedCodePoints, codePoint);
            if (found < 0) {
                throw new IllegalArgumentException(describe(codePoint) + " at index " + index
                        + " is not in the vocabulary of " + vocabSize() + " characters");
            }
            tokens[count++] = idOfSorted[found];
            index += Character.charCount(codePoint);
        }
        return tokens;
    }

    /**
     * The text of {@code tokens}.
     *
     * @throws IllegalArgumentException naming the first id outside {@code [0, vocabSize)} and its
     *                                  position
     */
    public String decode(int[] tokens) {
        StringBuilder text = new StringBuilder(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            int id = tokens[i];
            if (id < 0 || id >= codePointOfId.length) {
                throw new IllegalArgumentException("token id " + id + " at position " + i
                        + " is outside the vocabulary [0, " + codePointOfId.length + ")");
            }
            text.appendCodePoint(codePointOfId[id]);
        }
        return text.toString();
    }

    /** Whether {@code codePoint} has a token id. */
    public boolean contains(int codePoint) {
        return Arrays.binarySearch(sortedCodePoints, codePoint) >= 0;
    }

    private static String describe(int codePoint) {
        String hex = String.format("U+%04X", codePoint);
        if (Character.isISOControl(codePoint) || Character.isWhitespace(codePoint)) {
            return "character " + hex;
        }
        return "character '" + new String(Character.toChars(codePoint)) + "' (" + hex + ")";
    }
}
