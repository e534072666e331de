package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cohort.proto.Checkpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CheckpointsTest {

    private static final String VOCABULARY = "\n !,.?abcdefghijklmnopqrstuvwxyzÄ😀";
    private static final GptConfig CONFIG = new GptConfig(
            VOCABULARY.codePointCount(0, VOCABULARY.length()), 16, 8, 2, 2, 0.1,
            GptConfig.Norm.POST, GptConfig.Activation.RELU);
    private static final int N = 1_000;

    /** A value whose little-endian bytes the test looks for in the file. */
    private static final float MARKER = Float.intBitsToFloat(0x3C5A_1B2D);

    @TempDir
    Path folder;

    @Test
    void shouldReadBackBitIdenticalStateWhenRoundTripping() {
        CheckpointState state = randomState(1);
        Path file = folder.resolve("step-100.ckpt");

        Checkpoints.write(file, state);
        CheckpointState read = Checkpoints.read(file);

        assertEquals(state.modelKind(), read.modelKind());
        assertEquals(state.config(), read.config());
        assertEquals(state.vocabulary(), read.vocabulary());
        assertEquals(state.step(), read.step());
        assertEquals(state.seed(), read.seed());
        assertEquals(state.dataName(), read.dataName());
        assertEquals(state.settings(), read.settings());
        assertEquals(state.optimizerSteps(), read.optimizerSteps());
        assertArrayEquals(bits(state.parameters()), bits(read.parameters()));
        assertArrayEquals(bits(state.firstMoment()), bits(read.firstMoment()));
        assertArrayEquals(bits(state.secondMoment()), bits(read.secondMoment()));
    }

    @Test
    void shouldLeaveOnlyTheCheckpointWhenWritingOverAnOldOne() throws IOException {
        Path file = folder.resolve("latest.ckpt");

        Checkpoints.write(file, randomState(1));
        Checkpoints.write(file, randomState(2));

        assertEquals(List.of(file), list(folder));
        assertEquals(2, Checkpoints.read(file).step());
    }

    @Test
    void shouldLeaveNoTemporaryFileWhenTheWriteFails() throws IOException {
        Path occupied = Files.createDirectory(folder.resolve("occupied.ckpt"));
        Files.writeString(occupied.resolve("keep.txt"), "a folder is in the way");

        CheckpointException error = assertThrows(CheckpointException.class,
                () -> Checkpoints.write(occupied, randomState(1)));

        assertTrue(error.getMessage().contains(occupied.toString()), error.getMessage());
        assertEquals(List.of(occupied), list(folder));
    }

    @Test
    void shouldSayTruncatedWhenTheFileIsCutShort() throws IOException {
        Path file = folder.resolve("whole.ckpt");
        Checkpoints.write(file, randomState(1));
        byte[] bytes = Files.readAllBytes(file);

        for (int length : new int[] {3, 8, 9, bytes.length / 2, bytes.length - 1}) {
            Path cut = Files.write(folder.resolve("cut-" + length + ".ckpt"),
                    Arrays.copyOf(bytes, length));

            CheckpointException error = assertThrows(CheckpointException.class,
                    () -> Checkpoints.read(cut), "cut at " + length);

            assertOneLine(error);
            assertTrue(error.getMessage().contains(cut + " is truncated"), error.getMessage());
        }
    }

    @Test
    void shouldNameTheTensorWhenAByteIsFlipped() throws IOException {
        for (String tensor : List.of(Checkpoints.PARAMETERS, Checkpoints.FIRST_MOMENT,
                Checkpoints.SECOND_MOMENT)) {
            CheckpointState state = randomState(1);
            float[] target = switch (tensor) {
                case Checkpoints.PARAMETERS -> state.parameters();
                case Checkpoints.FIRST_MOMENT -> state.firstMoment();
                default -> state.secondMoment();
            };
            target[N / 2] = MARKER;
            Path file = folder.resolve(tensor + ".ckpt");
            Checkpoints.write(file, state);

            byte[] bytes = Files.readAllBytes(file);
            bytes[indexOf(bytes, littleEndian(MARKER))] ^= 0x10;
            Files.write(file, bytes);

            CheckpointException error = assertThrows(CheckpointException.class,
                    () -> Checkpoints.read(file));

            assertOneLine(error);
            assertTrue(error.getMessage().contains("tensor " + tensor + " fails its CRC32C"),
                    error.getMessage());
        }
    }

    @Test
    void shouldRefuseAnUnknownFormatVersionWhenReading() throws IOException {
        Checkpoint future = Checkpoints.toProto(randomState(1)).toBuilder()
                .setFormatVersion(Checkpoints.FORMAT_VERSION + 1)
                .build();
        Path file = folder.resolve("future.ckpt");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write("COHORTCK".getBytes(StandardCharsets.US_ASCII));
            future.writeDelimitedTo(out);
        }

        CheckpointException error = assertThrows(CheckpointException.class,
                () -> Checkpoints.read(file));

        assertTrue(error.getMessage().contains("format version " + (Checkpoints.FORMAT_VERSION
                + 1)), error.getMessage());
    }

    @Test
    void shouldSayNotACheckpointWhenTheFileIsSomethingElse() throws IOException {
        Path file = Files.writeString(folder.resolve("notes.txt"), "just some notes\n");

        CheckpointException error = assertThrows(CheckpointException.class,
                () -> Checkpoints.read(file));

        assertTrue(error.getMessage().contains("is not a Cohort checkpoint"), error.getMessage());
    }

    @Test
    void shouldNameThePathWhenTheCheckpointIsMissing() {
        Path missing = folder.resolve("nowhere.ckpt");

        CheckpointException error = assertThrows(CheckpointException.class,
                () -> Checkpoints.read(missing));

        assertOneLine(error);
        assertTrue(error.getMessage().contains(missing + " does not exist"), error.getMessage());
    }

    @Test
    void shouldNameTheFieldWhenTheConfigDiffers() {
        CheckpointState state = randomState(1);
        GptConfig deeper = new GptConfig(CONFIG.vocabSize(), CONFIG.blockSize(), CONFIG.nEmbd(),
                CONFIG.nHead(), CONFIG.nLayer() + 1, CONFIG.dropout(), CONFIG.norm(),
                CONFIG.activation());

        CheckpointException error = assertThrows(CheckpointException.class,
                () -> state.checkCompatible(deeper, VOCABULARY));

        assertTrue(error.getMessage().startsWith("checkpoint nLayer is 2 but the configured"
                + " nLayer is 3"), error.getMessage());
        state.checkCompatible(CONFIG, VOCABULARY);
    }

    @Test
    void shouldSayTheVocabularyDiffersWhenItDoes() {
        CheckpointState state = randomState(1);
        String other = VOCABULARY.replace('q', 'Q');

        CheckpointException error = assertThrows(CheckpointException.class,
                () -> state.checkCompatible(CONFIG, other));

        assertTrue(error.getMessage().startsWith("checkpoint vocabulary (34 characters) differs"
                + " from the expected vocabulary (34 characters) from character 22 on"),
                error.getMessage());
    }

    @Test
    void shouldRestoreModelAndOptimizerWhenCapturedStateIsReadBack() {
        float[][] table = {{1f, 2f}, {3f, -4f}};
        GptConfig config = new GptConfig(2, 4, 2, 1, 1, 0.0, GptConfig.Norm.PRE,
                GptConfig.Activation.GELU);
        Path file = folder.resolve("captured.ckpt");
        try (TableLanguageModel model = new TableLanguageModel(table, 4);
                TableLanguageModel fresh = new TableLanguageModel(new float[2][2], 4)) {
            AdamW optimizer = new AdamW(AdamWConfig.defaults(), model.parameterCount());
            optimizer.step(model.parameters(), Nd4j.createFromArray(0.5f, -1f, 2f, 0.25f));

            Checkpoints.write(file, CheckpointState.capture(CheckpointState.BIGRAM, config, "ab",
                    7, 3, "test", Map.of(), model, optimizer));
            AdamW restored = new AdamW(AdamWConfig.defaults(), fresh.parameterCount());
            Checkpoints.read(file).restoreInto(fresh, restored);

            assertArrayEquals(model.parameters().toFloatVector(),
                    fresh.parameters().toFloatVector());
            assertArrayEquals(optimizer.secondMoment().toFloatVector(),
                    restored.secondMoment().toFloatVector());
            assertEquals(1, restored.stepsTaken());
        }
    }

    private static CheckpointState randomState(long step) {
        Random random = new Random(step);
        float[][] tensors = new float[3][N];
        for (float[] tensor : tensors) {
            for (int i = 0; i < N; i++) {
                tensor[i] = (float) random.nextGaussian();
            }
        }
        float[] special = {Float.NaN, Float.intBitsToFloat(0x7FC1_2345), -0.0f,
            Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY};
        System.arraycopy(special, 0, tensors[0], 0, special.length);
        Map<String, String> settings = Map.of("train.batch-size", "64", "model.preset", "course",
                "data.fingerprint", "abc123");
        return new CheckpointState(CheckpointState.GPT, CONFIG, VOCABULARY, step, 1337,
                "wizard_of_oz.txt", settings, tensors[0], tensors[1], tensors[2], step * 2);
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    private static byte[] littleEndian(float value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("marker not found in the file");
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    private static void assertOneLine(RuntimeException error) {
        assertTrue(!error.getMessage().contains("\n"), "not one line: " + error.getMessage());
    }
}
