package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TextCorpusTest {

    @TempDir
    Path folder;

    @Test
    void shouldTurnCrlfIntoLfWhenLoadingAFile() throws IOException {
        Path file = write("crlf.txt", "\uFEFFline one\r\nline two\r\n");

        TextCorpus corpus = TextCorpus.load(file);

        assertEquals("line one\nline two\n", corpus.text());
        assertEquals(file.toString(), corpus.name());
    }

    @Test
    void shouldSplitNinetyTenWhenTokenizing() {
        String text = repeat("abcdefghij", 100) + "z";
        TextCorpus corpus = TextCorpus.fromText("split", text);

        assertEquals(900, corpus.trainTokens().length);
        assertEquals(101, corpus.validationTokens().length);
        int[] whole = IntStream.concat(IntStream.of(corpus.trainTokens()),
                IntStream.of(corpus.validationTokens())).toArray();
        assertArrayEquals(corpus.tokenizer().encode(text), whole);
    }

    @Test
    void shouldAgreeOnFingerprintWhenTextsAreEqualAfterNormalizing() {
        String fingerprint = TextCorpus.fromText("a", "one\ntwo\n").fingerprint();

        assertEquals(fingerprint, TextCorpus.fromText("b", "one\r\ntwo\r\n").fingerprint());
        assertNotEquals(fingerprint, TextCorpus.fromText("c", "one\ntwo!\n").fingerprint());
        assertEquals(64, fingerprint.length());
    }

    @Test
    void shouldNameThePathWhenItDoesNotExist() {
        Path missing = folder.resolve("no-such-corpus.txt");

        CorpusException error = assertThrows(CorpusException.class,
                () -> TextCorpus.load(missing));

        assertOneLine(error);
        assertTrue(error.getMessage().contains(missing.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("does not exist"), error.getMessage());
    }

    @Test
    void shouldSayEmptyWhenTheFileIsEmpty() throws IOException {
        Path empty = write("empty.txt", "");

        CorpusException error = assertThrows(CorpusException.class, () -> TextCorpus.load(empty));

        assertOneLine(error);
        assertTrue(error.getMessage().contains(empty.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("is empty"), error.getMessage());
    }

    @Test
    void shouldNameTheByteOffsetWhenTheFileIsNotUtf8() throws IOException {
        byte[] latin1 = "Hello, Mrs Gr\u00fcn".getBytes(StandardCharsets.ISO_8859_1);
        Path file = Files.write(folder.resolve("latin1.txt"), latin1);

        CorpusException error = assertThrows(CorpusException.class, () -> TextCorpus.load(file));

        assertOneLine(error);
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("not UTF-8"), error.getMessage());
        assertTrue(error.getMessage().contains("byte offset 13"), error.getMessage());
    }

    @Test
    void shouldNameTheShortSplitWhenTheTextIsTooShortForTheBlockSize() {
        TextCorpus corpus = TextCorpus.fromText("short", repeat("abcdefghij", 50));

        CorpusException error = assertThrows(CorpusException.class,
                () -> corpus.validateFor(64));

        assertOneLine(error);
        assertTrue(error.getMessage().contains("corpus short"), error.getMessage());
        assertTrue(error.getMessage().contains("validation split has 50"), error.getMessage());
        assertTrue(error.getMessage().contains("at least 65"), error.getMessage());
        assertDoesNotThrow(() -> corpus.validateFor(49));
    }

    @Test
    void shouldRefuseABatchWhenTheTextIsTooShortForTheBlockSize() {
        TextCorpus corpus = TextCorpus.fromText("short", repeat("abcdefghij", 5));

        assertThrows(CorpusException.class, () -> corpus.trainBatch(1, 0, 4, 45, 0, 1));
        assertThrows(CorpusException.class, () -> corpus.validationBatch(1, 0, 4, 5));
    }

    @Test
    void shouldSayNoTextFilesWhenTheFolderHoldsNone() throws IOException {
        Path empty = Files.createDirectory(folder.resolve("empty"));
        Files.write(empty.resolve("picture.bin"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0});

        CorpusException error = assertThrows(CorpusException.class, () -> TextCorpus.load(empty));

        assertOneLine(error);
        assertTrue(error.getMessage().contains(empty.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("holds no text files"), error.getMessage());
    }

    @Test
    void shouldConcatenateFilesInPathOrderWhenLoadingAFolder() throws IOException {
        write("b.txt", "second");
        write("a.md", "first\r\n");
        Files.createDirectory(folder.resolve("c"));
        write("c/inner.java", "third\n");
        write(".hidden.txt", "hidden\n");
        write("d-empty.txt", "");
        Files.write(folder.resolve("e.bin"), new byte[] {1, 2, 0, (byte) 0xFF});

        TextCorpus corpus = TextCorpus.load(folder);

        assertEquals("first\nsecond\nthird\n", corpus.text());
    }

    @Test
    void shouldNameTheFileWhenATextFileInAFolderIsNotUtf8() throws IOException {
        write("a.txt", "fine\n");
        Path bad = Files.write(folder.resolve("b.txt"), new byte[] {'o', 'k', (byte) 0xE9});

        CorpusException error = assertThrows(CorpusException.class,
                () -> TextCorpus.load(folder));

        assertTrue(error.getMessage().contains(bad.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("byte offset 2"), error.getMessage());
    }

    @Test
    void shouldHoldCohortsOwnSourcesWhenLoadingTheEmbeddedCorpus() {
        TextCorpus corpus = TextCorpus.embedded();

        assertEquals(TextCorpus.EMBEDDED_NAME, corpus.name());
        assertTrue(corpus.text().contains("package io.cohort"), "not Cohort's sources");
        assertTrue(corpus.text().contains("interface LanguageModel"), "LanguageModel missing");
        assertTrue(corpus.tokenCount() > 20_000, "only " + corpus.tokenCount() + " characters");
        assertDoesNotThrow(() -> corpus.validateFor(256));
    }

    @Test
    void shouldDropBomAndCrlfWhenLoadingTheWizardOfOz() {
        String dataDir = System.getProperty("cohort.data.dir");
        assumeTrue(dataDir != null, "cohort.data.dir is not set");
        Path file = Path.of(dataDir, "wizard_of_oz.txt");
        assumeTrue(Files.isRegularFile(file), file + " is absent");

        TextCorpus corpus = TextCorpus.load(file);

        assertTrue(corpus.text().indexOf('\r') < 0, "CR left in the text");
        assertTrue(corpus.text().charAt(0) != '\uFEFF', "byte-order mark left in the text");
        assertEquals(corpus.tokenCount() * 9L / 10, corpus.trainTokens().length);
        assertEquals(corpus.text(), corpus.tokenizer().decode(IntStream.concat(
                IntStream.of(corpus.trainTokens()), IntStream.of(corpus.validationTokens()))
                .toArray()));
        assertDoesNotThrow(() -> corpus.validateFor(256));
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(folder.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static String repeat(String text, int times) {
        return text.repeat(times);
    }

    private static void assertOneLine(RuntimeException error) {
        assertTrue(!error.getMessage().contains("\n"), "not one line: " + error.getMessage());
    }
}
