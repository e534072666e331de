package io.cohort.coordinator;

import io.cohort.coordinator.monitor.MetricsLog;
import io.cohort.coordinator.monitor.StepRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes what a run did into its folder as it happens: {@code metrics.jsonl} and the samples in
 * {@code samples.txt}; keeps the newest checkpoints and deletes older ones.
 */
final class RunRecorder implements RunListener, AutoCloseable {

    private final Path runDir;
    private final MetricsLog metrics;
    private final int keepCheckpoints;
    private final long startedNs = System.nanoTime();

    private RunRecorder(Path runDir, MetricsLog metrics, int keepCheckpoints) {
        this.runDir = runDir;
        this.metrics = metrics;
        this.keepCheckpoints = keepCheckpoints;
    }

    /** Records into {@code runDir}, keeping its newest {@code keepCheckpoints} checkpoints. */
    static RunRecorder open(Path runDir, int keepCheckpoints) throws IOException {
        if (keepCheckpoints < 1) {
            throw new IllegalArgumentException("coordinator.keep-checkpoints must be at least 1,"
                    + " got " + keepCheckpoints);
        }
        return new RunRecorder(runDir, MetricsLog.open(runDir), keepCheckpoints);
    }

    @Override
    public void stepCompleted(StepRecord step) {
        metrics.writeStep(step);
    }

    @Override
    public void evaluated(long step, double trainLoss, double validationLoss) {
        metrics.writeEval(step, trainLoss, validationLoss);
    }

    @Override
    public void sampled(long step, String text) {
        metrics.writeSample(step, text);
        String entry = "--- step " + step + " ---\n" + text + "\n\n";
        try {
            Files.writeString(runDir.resolve("samples.txt"), entry, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void checkpointed(long step, Path file) {
        metrics.writeCheckpoint(step, file);
        keepNewest(file.getParent());
    }

    /** Deletes all but the newest {@code keepCheckpoints} checkpoints of the run. */
    private void keepNewest(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> old = files.filter(f -> f.getFileName().toString().endsWith(".ckpt"))
                    .sorted(Comparator.reverseOrder())
                    .skip(keepCheckpoints)
                    .toList();
            for (Path checkpoint : old) {
                Files.deleteIfExists(checkpoint);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void ended(RunOutcome outcome) {
        metrics.writeFinished(outcome.lastStep(), outcome.status().name().toLowerCase(),
                (System.nanoTime() - startedNs) / 1e9);
    }

    @Override
    public void close() {
        metrics.close();
    }
}
