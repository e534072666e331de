package io.cohort.coordinator.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The run folder's {@code metrics.jsonl}: one JSON object per line, each with an
 * {@code "event"} of {@code step}, {@code eval}, {@code sample}, {@code checkpoint} or
 * {@code finished}. The coordinator writes it through an open log; the report reads it back
 * with {@link #read(Path)}. Each line is flushed as it is written, so a reader sees whole lines
 * and at worst a cut last line, which {@link #read(Path)} skips.
 */
public final class MetricsLog implements AutoCloseable {

    /** The file's name inside the run folder. */
    public static final String FILE_NAME = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;
    private final Clock clock;

    private MetricsLog(Path file, BufferedWriter out, Clock clock) {
        this.file = file;
        this.out = out;
        this.clock = clock;
    }

    /**
     * Opens {@code runDir/metrics.jsonl} for appending, creating the folder if needed.
     *
     * @throws UncheckedIOException naming the file when it cannot be opened
     */
    public static MetricsLog open(Path runDir) {
        return open(runDir, Clock.systemUTC());
    }

    /** Opens the log with the times of its lines read from {@code clock}. */
    public static MetricsLog open(Path runDir, Clock clock) {
        Path file = runDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(runDir);
            BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return new MetricsLog(file, out, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + " for writing: " + e, e);
        }
    }

    /** The file this log writes. */
    public Path file() {
        return file;
    }

    /** Writes a step line, with each worker's share when the record has them. */
    public void writeStep(StepRecord r) {
        ObjectNode line = event("step", r.step());
        line.put("loss", r.loss());
        line.put("tokens", r.tokens());
        line.put("tokens_per_s", r.tokensPerS());
        line.put("step_ms", r.stepMs());
        line.put("compute_ms", r.computeMs());
        line.put("allreduce_ms", r.allReduceMs());
        line.put("workers", r.workers());
        line.put("lr", r.learningRate());
        if (!r.perWorker().isEmpty()) {
            ArrayNode perWorker = line.putArray("per_worker");
            for (WorkerStep w : r.perWorker()) {
                perWorker.addObject()
                        .put("rank", w.rank())
                        .put("compute_ms", w.computeMs())
                        .put("allreduce_ms", w.allReduceMs())
                        .put("tokens_per_s", w.tokensPerS())
                        .put("busbw_gbs", w.busbwGbs());
            }
        }
        write(line);
    }

    /** Writes an evaluation line. */
    public void writeEval(long step, double trainLoss, double validationLoss) {
        ObjectNode line = event("eval", step);
        line.put("train_loss", trainLoss);
        line.put("val_loss", validationLoss);
        write(line);
    }

    /** Writes a text sample line. */
    public void writeSample(long step, String text) {
        write(event("sample", step).put("text", text));
    }

    /** Writes a checkpoint line. */
    public void writeCheckpoint(long step, Path path) {
        write(event("checkpoint", step).put("path", path.toString()));
    }

    /**
     * Writes the last line.
     *
     * @param status          {@code finished}, {@code failed} or {@code stopped}
     * @param elapsedSeconds  wall time of the whole run in seconds
     */
    public void writeFinished(long step, String status, double elapsedSeconds) {
        write(event("finished", step).put("status", status).put("elapsed_s", elapsedSeconds));
    }

    /** Closes the file. */
    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file + ": " + e, e);
        }
    }

    /**
     * Reads a {@code metrics.jsonl} back. Lines of unknown events are skipped, and so is a last
     * line that was cut short.
     *
     * @throws UncheckedIOException naming the file and line when it cannot be read or a line
     *     before the last is not JSON
     */
    public static RunLog read(Path metricsFile) {
        List<String> lines = readLines(metricsFile);
        RunLogBuilder log = new RunLogBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            if (text.isEmpty()) {
                continue;
            }
            JsonNode line = parse(metricsFile, i + 1, text, i == lines.size() - 1);
            if (line != null) {
                log.add(line);
            }
        }
        return log.build();
    }

    private ObjectNode event(String name, long step) {
        ObjectNode line = JSON.createObjectNode();
        line.put("event", name);
        line.put("step", step);
        line.put("time", clock.instant().toString());
        return line;
    }

    private synchronized void write(ObjectNode line) {
        try {
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + file + ": " + e, e);
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("no " + FILE_NAME + " at " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e, e);
        }
    }

    private static JsonNode parse(Path file, int lineNumber, String text, boolean last) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            if (last) {
                return null;
            }
            throw new UncheckedIOException(
                    file + " line " + lineNumber + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    /** Collects the events of a file into a {@link RunLog}. */
    private static final class RunLogBuilder {

        private final List<StepRecord> steps = new ArrayList<>();
        private final List<EvalPoint> evals = new ArrayList<>();
        private final List<Sample> samples = new ArrayList<>();
        private final List<Checkpoint> checkpoints = new ArrayList<>();
        private RunLog.Finished finished;

        void add(JsonNode line) {
            long step = line.path("step").asLong();
            switch (line.path("event").asText()) {
                case "step" -> steps.add(step(line));
                case "eval" -> evals.add(new EvalPoint(step,
                        line.path("train_loss").asDouble(), line.path("val_loss").asDouble()));
                case "sample" -> samples.add(new Sample(step, line.path("text").asText(),
                        time(line)));
                case "checkpoint" -> checkpoints.add(new Checkpoint(step,
                        Paths.get(line.path("path").asText()), time(line)));
                case "finished" -> finished = new RunLog.Finished(step,
                        line.path("status").asText(), line.path("elapsed_s").asDouble());
                default -> {
                    // An event this version does not know; newer writers may add some.
                }
            }
        }

        RunLog build() {
            return new RunLog(List.copyOf(steps), List.copyOf(evals), List.copyOf(samples),
                    List.copyOf(checkpoints), finished);
        }

        private static StepRecord step(JsonNode line) {
            List<WorkerStep> perWorker = new ArrayList<>();
            for (JsonNode w : line.path("per_worker")) {
                perWorker.add(new WorkerStep(w.path("rank").asInt(),
                        w.path("compute_ms").asDouble(), w.path("allreduce_ms").asDouble(),
                        w.path("tokens_per_s").asDouble(), w.path("busbw_gbs").asDouble()));
            }
            return new StepRecord(line.path("step").asLong(), line.path("loss").asDouble(),
                    line.path("tokens").asLong(), line.path("tokens_per_s").asDouble(),
                    line.path("step_ms").asDouble(), line.path("compute_ms").asDouble(),
                    line.path("allreduce_ms").asDouble(), line.path("workers").asInt(),
                    line.path("lr").asDouble(), perWorker);
        }

        private static Instant time(JsonNode line) {
            String text = line.path("time").asText(null);
            return text == null ? null : Instant.parse(text);
        }
    }
}
