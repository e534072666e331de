package io.cohort.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training text, its tokenizer, its train/validation split, and a deterministic sampler of
 * batches from either split.
 *
 * <p>The text is tokenized character by character ({@link CharTokenizer}); the first 90% of the
 * tokens are the training split, the rest the validation split.
 *
 * <p>Every batch is a pure function of its arguments: the window starts of row {@code i} of the
 * batch for {@code (seed, step)} come from a random generator seeded with a hash of
 * {@code (seed, split, step, i)}, never from shared mutable state. So any worker can draw any
 * slice of any global batch on its own, and N workers that each take their slice see exactly
 * the batch one worker would. Immutable and safe to share between threads.
 */
public final class TextCorpus {

    /** Name of the corpus built into the model jar. */
    public static final String EMBEDDED_NAME = "embedded";

    /** Classpath resource of the embedded corpus: Cohort's own sources, concatenated. */
    public static final String EMBEDDED_RESOURCE = "/io/cohort/model/embedded-corpus.txt";

    /** File-name endings that are always read as text in a folder, and must be UTF-8. */
    private static final List<String> TEXT_SUFFIXES = List.of(".txt", ".md", ".text");

    private static final Logger LOG = LoggerFactory.getLogger(TextCorpus.class);

    /** Which part of the corpus a batch is drawn from. */
    public enum Split {
        /** The first 90% of the tokens. */
        TRAIN(0x5452_4149_4eL),
        /** The last 10% of the tokens. */
        VALIDATION(0x5641_4c49_44L);

        private final long salt;

        Split(long salt) {
            this.salt = salt;
        }
    }

    /**
     * Batches for loss estimation are drawn from a stream of their own, so that they never
     * coincide with the training batches of the same seed.
     */
    private static final long EVALUATION_SALT = 0x4556_414cL;

    private final String name;
    private final String text;
    private final CharTokenizer tokenizer;
    private final int[] trainTokens;
    private final int[] validationTokens;
    private final String fingerprint;

    private TextCorpus(String name, String text) {
        this.name = name;
        this.text = text;
        this.tokenizer = CharTokenizer.fromText(text);

        int[] tokens = tokenizer.encode(text);
        int trainCount = (int) (tokens.length * 9L / 10);
        this.trainTokens = Arrays.copyOfRange(tokens, 0, trainCount);
        this.validationTokens = Arrays.copyOfRange(tokens, trainCount, tokens.length);
        this.fingerprint = sha256Hex(text);
    }

    /**
     * The corpus held by a UTF-8 text file, or by a folder of them.
     *
     * <p>A folder is read recursively; hidden files and folders (name starting with a dot) are
     * skipped. Its files are taken in the order of their paths relative to the folder.
     * Files ending in {@code .txt}, {@code .md} or {@code .text} must be UTF-8; any other
     * file is taken when it decodes as UTF-8 and holds no NUL character, and skipped otherwise
     * (so that images or class files in the folder do no harm). Each file's text ends with a
     * line break in the concatenation.
     *
     * <p>In every case CRLF line ends become LF, and a leading byte-order mark is dropped.
     *
     * @throws CorpusException when the path is missing, a file is empty or not UTF-8, or a
     *                         folder holds no text
     */
    public static TextCorpus load(Path fileOrFolder) {
        if (!Files.exists(fileOrFolder)) {
            throw new CorpusException("corpus " + fileOrFolder + " does not exist; give the path"
                    + " of a UTF-8 text file or of a folder of them");
        }
        String text = Files.isDirectory(fileOrFolder)
                ? readFolder(fileOrFolder)
                : readFile(fileOrFolder);
        TextCorpus corpus = new TextCorpus(fileOrFolder.toString(), text);
        LOG.info("Loaded corpus [{}]: [{}] characters, vocabulary of [{}]",
                corpus.name, corpus.tokenCount(), corpus.tokenizer.vocabSize());
        return corpus;
    }

    /**
     * The corpus built into the model jar: Cohort's own sources and README, concatenated at
     * build time. Named {@value #EMBEDDED_NAME}.
     */
    public static TextCorpus embedded() {
        try (InputStream in = TextCorpus.class.getResourceAsStream(EMBEDDED_RESOURCE)) {
            if (in == null) {
                throw new CorpusException("the embedded corpus " + EMBEDDED_RESOURCE
                        + " is not on the classpath; build the model module with Maven, which"
                        + " generates it");
            }
            byte[] bytes = in.readAllBytes();
            String text = decodeUtf8(bytes, EMBEDDED_RESOURCE, true).orElseThrow();
            return fromText(EMBEDDED_NAME, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + EMBEDDED_RESOURCE, e);
        }
    }

    /**
     * The corpus of {@code text}, called {@code name}; CRLF line ends become LF.
     *
     * @throws CorpusException when {@code text} is empty
     */
    public static TextCorpus fromText(String name, String text) {
        String normalized = normalize(text);
        if (normalized.isEmpty()) {
            throw new CorpusException("corpus " + name + " is empty; give it some text");
        }
        return new TextCorpus(name, normalized);
    }

    /** The path it was loaded from, {@value #EMBEDDED_NAME}, or the name given. */
    public String name() {
        return name;
    }

    /** The whole text, with LF line ends. */
    public String text() {
        return text;
    }

    /** The tokenizer whose vocabulary is the distinct characters of the whole text. */
    public CharTokenizer tokenizer() {
        return tokenizer;
    }

    /** Number of tokens (characters) in the whole text. */
    public int tokenCount() {
        return trainTokens.length + validationTokens.length;
    }

    /** A copy of the training split: the first 90% of the tokens. */
    public int[] trainTokens() {
        return trainTokens.clone();
    }

    /** A copy of the validation split: the tokens after the training split. */
    public int[] validationTokens() {
        return validationTokens.clone();
    }

    /** SHA-256 of the text (UTF-8, LF line ends) in lowercase hex: tells two corpora apart. */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * Checks that both splits hold at least one window of {@code blockSize} tokens and its
     * target, that is {@code blockSize + 1} tokens.
     *
     * @throws CorpusException naming the split that is too short
     */
    public void validateFor(int blockSize) {
        requireLongEnough(Split.TRAIN, blockSize);
        requireLongEnough(Split.VALIDATION, blockSize);
    }

    /**
     * This worker's slice of the training batch for {@code step}: rank {@code r} of {@code N}
     * gets rows {@code [r * B / N, (r + 1) * B / N)} of the global batch of {@code B} windows.
     *
     * @throws IllegalArgumentException when {@code globalBatch} is not divisible by
     *                                  {@code worldSize}, or rank is not in {@code [0, N)}
     */
    public Batch trainBatch(long seed, long step, int globalBatch, int blockSize, int rank,
            int worldSize) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("worldSize must be at least 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException(
                    "rank must be in [0, " + worldSize + "), got " + rank);
        }
        if (globalBatch % worldSize != 0) {
            throw new IllegalArgumentException("global batch " + globalBatch
                    + " is not divisible by " + worldSize + " workers; choose a batch size that"
                    + " is a multiple of the worker count");
        }
        int rows = globalBatch / worldSize;
        return trainBatchRows(seed, step, globalBatch, blockSize, rank * rows, (rank + 1) * rows);
    }

    /**
     * Rows {@code [fromRow, toRow)} of the global training batch of {@code globalBatch} windows
     * for {@code step}; the general form of {@link #trainBatch}.
     */
    public Batch trainBatchRows(long seed, long step, int globalBatch, int blockSize, int fromRow,
            int toRow) {
        if (globalBatch < 1) {
            throw new IllegalArgumentException("global batch must be at least 1, got "
                    + globalBatch);
        }
        if (fromRow < 0 || toRow > globalBatch || fromRow >= toRow) {
            throw new IllegalArgumentException("rows [" + fromRow + ", " + toRow
                    + ") must be a non-empty range within [0, " + globalBatch + ")");
        }
        return sample(Split.TRAIN, Split.TRAIN.salt, seed, step, blockSize, fromRow, toRow);
    }

    /** Validation batch number {@code index} of {@code batchSize} windows for {@code seed}. */
    public Batch validationBatch(long seed, long index, int batchSize, int blockSize) {
        return sample(Split.VALIDATION, Split.VALIDATION.salt, seed, index, blockSize, 0,
                requireBatchSize(batchSize));
    }

    /**
     * Batch number {@code index} for loss estimation over {@code split}. Drawn from a stream of
     * its own: for the training split it never repeats the training batches of the same seed.
     */
    public Batch evaluationBatch(Split split, long seed, long index, int batchSize,
            int blockSize) {
        return sample(split, split.salt ^ EVALUATION_SALT, seed, index, blockSize, 0,
                requireBatchSize(batchSize));
    }

    private Batch sample(Split split, long salt, long seed, long step, int blockSize,
            int fromRow, int toRow) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize must be at least 1, got " + blockSize);
        }
        if (step < 0) {
            throw new IllegalArgumentException("step must be at least 0, got " + step);
        }
        requireLongEnough(split, blockSize);
        int[] tokens = split == Split.TRAIN ? trainTokens : validationTokens;
        int windowStarts = tokens.length - blockSize;

        int rows = toRow - fromRow;
        int[] inputs = new int[rows * blockSize];
        int[] targets = new int[rows * blockSize];
        long stepKey = mix(mix(mix(seed) ^ salt) + step);
        for (int row = 0; row < rows; row++) {
            int start = new SplittableRandom(mix(stepKey + fromRow + row)).nextInt(windowStarts);
            System.arraycopy(tokens, start, inputs, row * blockSize, blockSize);
            System.arraycopy(tokens, start + 1, targets, row * blockSize, blockSize);
        }
        return new Batch(rows, blockSize, inputs, targets);
    }

    private void requireLongEnough(Split split, int blockSize) {
        int length = split == Split.TRAIN ? trainTokens.length : validationTokens.length;
        if (length < (long) blockSize + 1) {
            String splitName = split.name().toLowerCase(Locale.ROOT);
            throw new CorpusException("corpus " + name + " is too short for block size "
                    + blockSize + ": its " + splitName + " split has " + length
                    + " characters but needs at least " + (blockSize + 1L) + " (the whole text"
                    + " needs about " + minimumLength(blockSize) + "); use a longer text or a"
                    + " smaller block size");
        }
    }

    /** The shortest whole text whose validation split, the smaller one, fits one window. */
    private static long minimumLength(int blockSize) {
        return (blockSize + 1L) * 10;
    }

    private static int requireBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        return batchSize;
    }

    /** A 64-bit finalizer with good avalanche: every input bit flips about half the output. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static String readFolder(Path folder) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(path -> !isHidden(folder.relativize(path)))
                    .sorted((a, b) -> folder.relativize(a).toString()
                            .compareTo(folder.relativize(b).toString()))
                    .toList();
        } catch (IOException e) {
            throw new CorpusException("cannot list corpus folder " + folder + ": " + e
                    + "; check that it is readable", e);
        }

        StringBuilder text = new StringBuilder();
        List<Path> taken = new ArrayList<>();
        for (Path file : files) {
            Optional<String> content = readFolderFile(file);
            if (content.isPresent() && !content.get().isEmpty()) {
                text.append(content.get());
                if (text.charAt(text.length() - 1) != '\n') {
                    text.append('\n');
                }
                taken.add(file);
            }
        }
        if (text.length() == 0) {
            throw new CorpusException("corpus folder " + folder + " holds no text files (UTF-8,"
                    + " not empty); put .txt or .md files in it");
        }
        LOG.debug("Corpus folder [{}]: read [{}] of [{}] files", folder, taken.size(),
                files.size());
        return text.toString();
    }

    /** The normalized text of a file given on its own, which must be UTF-8 and not empty. */
    private static String readFile(Path file) {
        String text = normalize(decodeUtf8(readBytes(file), file.toString(), true).orElseThrow());
        if (text.isEmpty()) {
            throw new CorpusException("corpus file " + file + " is empty; give a file that holds"
                    + " text");
        }
        return text;
    }

    /**
     * The normalized text of a file in a corpus folder; empty when it is not UTF-8 text and its
     * name does not promise text.
     */
    private static Optional<String> readFolderFile(Path file) {
        return decodeUtf8(readBytes(file), file.toString(), hasTextSuffix(file))
                .map(TextCorpus::normalize);
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CorpusException("cannot read corpus file " + file + ": " + e
                    + "; check that it is readable", e);
        }
    }

    private static Optional<String> decodeUtf8(byte[] bytes, String source, boolean required) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            if (!required) {
                LOG.debug("Skipping [{}]: not UTF-8", source);
                return Optional.empty();
            }
            throw new CorpusException("corpus file " + source + " is not UTF-8: invalid byte"
                    + " sequence at byte offset " + in.position() + "; convert it to UTF-8"
                    + " (for example with iconv)");
        }
        out.flip();
        String text = out.toString();
        if (!required && text.indexOf('\0') >= 0) {
            LOG.debug("Skipping [{}]: holds NUL characters", source);
            return Optional.empty();
        }
        return Optional.of(text);
    }

    private static String normalize(String text) {
        String withoutBom = text.startsWith("\uFEFF") ? text.substring(1) : text;
        return withoutBom.replace("\r\n", "\n");
    }

    private static boolean hasTextSuffix(Path file) {
        String fileName = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return TEXT_SUFFIXES.stream().anyMatch(fileName::endsWith);
    }

    private static boolean isHidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static String sha256Hex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
