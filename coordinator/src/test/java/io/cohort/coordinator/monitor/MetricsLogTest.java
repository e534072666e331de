package io.cohort.coordinator.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MetricsLogTest {

    @TempDir
    Path runDir;

    @Test
    void shouldReadBackWhatWasWrittenWhenRunEnds() {
        StepRecord step = new StepRecord(1, 4.2, 2048, 15000.0, 130.1, 120.0, 3.1, 2, 0.001,
                List.of(new WorkerStep(0, 120.0, 3.1, 7500.0, 1.5),
                        new WorkerStep(1, 118.0, 3.0, 7500.0, 1.4)));
        try (MetricsLog log = MetricsLog.open(runDir)) {
            log.writeStep(step);
            log.writeEval(1, 4.1, 4.3);
            log.writeSample(1, "Dorothy \"quoted\"\nnew line");
            log.writeCheckpoint(1, runDir.resolve("step-1.ckpt"));
            log.writeFinished(1, "stopped", 2.5);
        }

        RunLog read = MetricsLog.read(runDir.resolve(MetricsLog.FILE_NAME));

        assertEquals(List.of(step), read.steps());
        assertEquals(List.of(new EvalPoint(1, 4.1, 4.3)), read.evals());
        assertEquals("Dorothy \"quoted\"\nnew line", read.samples().get(0).text());
        assertEquals(runDir.resolve("step-1.ckpt"), read.checkpoints().get(0).path());
        assertEquals(new RunLog.Finished(1, "stopped", 2.5), read.finished());
    }

    @Test
    void shouldWriteOneJsonObjectPerLineInTheSharedFormat() throws Exception {
        try (MetricsLog log = MetricsLog.open(runDir)) {
            log.writeStep(new StepRecord(3, 2.5, 64, 100.0, 7.0, 5.0, 1.0, 1, 0.01, List.of()));
            log.writeEval(3, 2.4, 2.6);
        }

        List<String> lines = Files.readAllLines(runDir.resolve(MetricsLog.FILE_NAME));
        JsonNode step = new ObjectMapper().readTree(lines.get(0));
        JsonNode eval = new ObjectMapper().readTree(lines.get(1));

        assertEquals(2, lines.size());
        assertEquals("step", step.get("event").asText());
        assertEquals(3, step.get("step").asLong());
        assertEquals(2.5, step.get("loss").asDouble());
        assertEquals(100.0, step.get("tokens_per_s").asDouble());
        assertEquals(5.0, step.get("compute_ms").asDouble());
        assertEquals(1.0, step.get("allreduce_ms").asDouble());
        assertEquals(0.01, step.get("lr").asDouble());
        assertTrue(step.get("time").asText().endsWith("Z"));
        assertEquals(2.6, eval.get("val_loss").asDouble());
    }

    @Test
    void shouldSkipACutLastLineButRejectABrokenEarlierOne() throws Exception {
        Path file = runDir.resolve(MetricsLog.FILE_NAME);
        try (MetricsLog log = MetricsLog.open(runDir)) {
            log.writeEval(10, 2.0, 2.1);
        }
        Files.writeString(file, "{\"event\":\"step\",\"step\":11,\"lo", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        assertEquals(1, MetricsLog.read(file).evals().size());
        assertEquals(0, MetricsLog.read(file).steps().size());

        Files.writeString(file, "\n{\"event\":\"eval\",\"step\":12}\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> MetricsLog.read(file));
        assertTrue(e.getMessage().contains("line 2 is not a JSON object"), e.getMessage());
    }
}
