package io.cohort.coordinator;

import io.cohort.coordinator.monitor.MetricsLog;
import io.cohort.coordinator.monitor.StepRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes what a run did into its folder as it happens: {@code metrics.jsonl} and the samples in
 * {@code samples.txt}.
 */
final class RunRecorder implements RunListener, AutoCloseable {

    private final Path runDir;
    private final MetricsLog metrics;
    private final long startedNs = System.nanoTime();

    private RunRecorder(Path runDir, MetricsLog metrics) {
        this.runDir = runDir;
        this.metrics = metrics;
    }

    static RunRecorder open(Path runDir) throws IOException {
        return new RunRecorder(runDir, MetricsLog.open(runDir));
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
