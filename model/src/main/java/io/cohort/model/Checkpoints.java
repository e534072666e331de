package io.cohort.model;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.cohort.proto.Checkpoint;
import io.cohort.proto.ModelConfig;
import io.cohort.proto.Tensor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes and reads checkpoint files (the {@code cohort.Checkpoint} protobuf message).
 *
 * <p>A file is the eight ASCII bytes {@code COHORTCK}, then the message in protobuf's
 * length-delimited form. Each tensor carries a CRC32C of its bytes. A write goes to a temporary
 * file in the same folder, is forced to disk, read back and compared, and only then renamed over
 * the target, so the target is either the old file or the complete new one.
 *
 * <p>A file is mapped into memory to read it, so it must be under 2 GiB: about 178 million
 * parameters with both moments.
 */
public final class Checkpoints {

    /** The layout version this code writes and the only one it reads. */
    public static final int FORMAT_VERSION = 1;

    /** Name of the model's flat parameter tensor. */
    public static final String PARAMETERS = "parameters";

    /** Name of the optimizer's flat first-moment tensor. */
    public static final String FIRST_MOMENT = "adamw.first_moment";

    /** Name of the optimizer's flat second-moment tensor. */
    public static final String SECOND_MOMENT = "adamw.second_moment";

    private static final byte[] MAGIC = "COHORTCK".getBytes(StandardCharsets.US_ASCII);
    private static final int WRITE_BUFFER_BYTES = 1 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

    private Checkpoints() {
    }

    /**
     * Writes {@code state} to {@code file} atomically, replacing any file there.
     *
     * @throws CheckpointException when the file cannot be written or does not read back
     *                             identically; {@code file} is then left as it was
     */
    public static void write(Path file, CheckpointState state) {
        Checkpoint message = toProto(state);
        writeMessage(file, message);
        LOG.info("Checkpoint written to [{}]: step [{}], [{}] parameters", file, state.step(),
                state.parameters().length);
    }

    /**
     * Reads the checkpoint in {@code file}, checking its format version and every tensor's
     * CRC32C.
     *
     * @throws CheckpointException when the file is missing, truncated, corrupt, of an unknown
     *                             format version, or inconsistent
     */
    public static CheckpointState read(Path file) {
        Checkpoint message = readMessage(file);
        return fromProto(file, message);
    }

    /** The protobuf message of {@code state}; its tensors share no copies beyond one each. */
    static Checkpoint toProto(CheckpointState state) {
        GptConfig config = state.config();
        ModelConfig modelConfig = ModelConfig.newBuilder()
                .setVocabSize(config.vocabSize())
                .setBlockSize(config.blockSize())
                .setNEmbd(config.nEmbd())
                .setNHead(config.nHead())
                .setNLayer(config.nLayer())
                .setDropout(config.dropout())
                .setNorm(config.norm().name().toLowerCase(Locale.ROOT))
                .setActivation(config.activation().name().toLowerCase(Locale.ROOT))
                .build();
        return Checkpoint.newBuilder()
                .setFormatVersion(FORMAT_VERSION)
                .setModelKind(state.modelKind())
                .setConfig(modelConfig)
                .setVocabulary(state.vocabulary())
                .setStep(state.step())
                .setSeed(state.seed())
                .setDataName(state.dataName())
                .putAllSettings(state.settings())
                .setOptimizerSteps(state.optimizerSteps())
                .addTensors(tensor(PARAMETERS, state.parameters()))
                .addTensors(tensor(FIRST_MOMENT, state.firstMoment()))
                .addTensors(tensor(SECOND_MOMENT, state.secondMoment()))
                .build();
    }

    /** Writes {@code message} to {@code file} through a verified temporary file. */
    static void writeMessage(Path file, Checkpoint message) {
        Path folder = file.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            Files.createDirectories(folder);
            temporary = Files.createTempFile(folder, "." + file.getFileName() + ".", ".tmp");
            writeFramed(temporary, message);

            if (!readMessage(temporary).equals(message)) {
                throw new CheckpointException("checkpoint " + temporary + " did not read back as"
                        + " written; check the disk");
            }
            moveAtomically(temporary, file);
            temporary = null;
            forceFolder(folder);
        } catch (IOException e) {
            throw new CheckpointException("cannot write checkpoint " + file + ": " + e
                    + "; check that its folder is writable and has space", e);
        } finally {
            deleteQuietly(temporary);
        }
    }

    private static void writeFramed(Path temporary, Checkpoint message) throws IOException {
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel),
                    WRITE_BUFFER_BYTES);
            out.write(MAGIC);
            message.writeDelimitedTo(out);
            out.flush();
            channel.force(true);
        }
    }

    private static Checkpoint readMessage(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new CheckpointException("checkpoint " + file + " is " + size
                        + " bytes; Cohort reads checkpoints up to 2 GiB");
            }
            ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            Checkpoint message = parse(file, bytes);
            checkFormatVersion(file, message);
            for (Tensor tensor : message.getTensorsList()) {
                checkTensor(file, tensor);
            }
            return message;
        } catch (NoSuchFileException e) {
            throw new CheckpointException("checkpoint " + file + " does not exist; give the path"
                    + " of a checkpoint file", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + file + ": " + e, e);
        }
    }

    private static Checkpoint parse(Path file, ByteBuffer bytes) throws IOException {
        byte[] magic = new byte[Math.min(MAGIC.length, bytes.remaining())];
        bytes.get(magic);
        if (!Arrays.equals(magic, Arrays.copyOf(MAGIC, magic.length))) {
            throw new CheckpointException("file " + file + " is not a Cohort checkpoint (it does"
                    + " not start with COHORTCK)");
        }
        if (magic.length < MAGIC.length || !bytes.hasRemaining()) {
            throw truncated(file, "it ends within the header");
        }

        CodedInputStream input = CodedInputStream.newInstance(bytes);
        input.enableAliasing(true);
        long declared;
        try {
            declared = input.readUInt32() & 0xFFFF_FFFFL;
        } catch (InvalidProtocolBufferException e) {
            throw truncated(file, "it ends within the header");
        }
        long present = bytes.remaining() - input.getTotalBytesRead();
        if (present < declared) {
            throw truncated(file, "it declares " + declared + " bytes of content but holds "
                    + present);
        }
        if (present > declared) {
            throw new CheckpointException("checkpoint " + file + " has " + (present - declared)
                    + " unexpected bytes after its content; the file is corrupt, use another");
        }
        try {
            return Checkpoint.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            throw new CheckpointException("checkpoint " + file + " is corrupt: " + e.getMessage()
                    + "; use another checkpoint", e);
        }
    }

    private static void checkFormatVersion(Path file, Checkpoint message) {
        if (message.getFormatVersion() != FORMAT_VERSION) {
            throw new CheckpointException("checkpoint " + file + " has format version "
                    + message.getFormatVersion() + " but this Cohort reads only version "
                    + FORMAT_VERSION + "; use the Cohort release that wrote it");
        }
    }

    private static void checkTensor(Path file, Tensor tensor) {
        ByteString data = tensor.getData();
        long values = 1;
        for (long dimension : tensor.getShapeList()) {
            values *= dimension;
        }
        if (data.size() != values * Float.BYTES) {
            throw new CheckpointException("checkpoint " + file + " tensor " + tensor.getName()
                    + " has " + data.size() + " bytes but its shape " + tensor.getShapeList()
                    + " needs " + values * Float.BYTES + "; the file is corrupt, use another");
        }
        int crc = crc32c(data.asReadOnlyByteBuffer());
        if (crc != tensor.getCrc32C()) {
            throw new CheckpointException("checkpoint " + file + " tensor " + tensor.getName()
                    + " fails its CRC32C check (stored " + Integer.toHexString(tensor.getCrc32C())
                    + ", computed " + Integer.toHexString(crc) + "); the file is corrupt, use"
                    + " another checkpoint");
        }
    }

    private static CheckpointState fromProto(Path file, Checkpoint message) {
        Map<String, Tensor> tensors = new HashMap<>();
        for (Tensor tensor : message.getTensorsList()) {
            tensors.put(tensor.getName(), tensor);
        }
        try {
            return new CheckpointState(
                    message.getModelKind(),
                    toConfig(message.getConfig()),
                    message.getVocabulary(),
                    message.getStep(),
                    message.getSeed(),
                    message.getDataName(),
                    message.getSettingsMap(),
                    floats(file, tensors, PARAMETERS),
                    floats(file, tensors, FIRST_MOMENT),
                    floats(file, tensors, SECOND_MOMENT),
                    message.getOptimizerSteps());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint " + file + " is inconsistent: "
                    + e.getMessage() + "; use another checkpoint", e);
        }
    }

    private static GptConfig toConfig(ModelConfig config) {
        return new GptConfig(config.getVocabSize(), config.getBlockSize(), config.getNEmbd(),
                config.getNHead(), config.getNLayer(), config.getDropout(),
                GptConfig.Norm.parse(config.getNorm()),
                GptConfig.Activation.parse(config.getActivation()));
    }

    private static Tensor tensor(String name, float[] values) {
        byte[] bytes = new byte[values.length * Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        return Tensor.newBuilder()
                .setName(name)
                .addShape(values.length)
                .setData(UnsafeByteOperations.unsafeWrap(bytes))
                .setCrc32C(crc32c(ByteBuffer.wrap(bytes)))
                .build();
    }

    private static float[] floats(Path file, Map<String, Tensor> tensors, String name) {
        Tensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new CheckpointException("checkpoint " + file + " has no tensor " + name
                    + "; the file is incomplete, use another checkpoint");
        }
        float[] values = new float[tensor.getData().size() / Float.BYTES];
        tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                .get(values);
        return values;
    }

    private static int crc32c(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    private static CheckpointException truncated(Path file, String detail) {
        return new CheckpointException("checkpoint " + file + " is truncated: " + detail
                + "; its write was interrupted, use an earlier checkpoint");
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new CheckpointException("cannot write checkpoint " + to + ": its file system"
                    + " cannot rename atomically; write checkpoints to a local disk", e);
        }
    }

    /** Makes the rename durable; not every platform can open a folder, which is harmless. */
    private static void forceFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("Cannot force folder [{}] to disk: [{}]", folder, e.toString());
        }
    }

    private static void deleteQuietly(Path temporary) {
        if (temporary == null) {
            return;
        }
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException e) {
            LOG.warn("Cannot delete temporary checkpoint [{}]: [{}]", temporary, e.toString());
        }
    }
}
