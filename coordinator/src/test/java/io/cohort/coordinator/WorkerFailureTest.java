package io.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cohort.model.CheckpointState;
import io.cohort.model.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A worker process that dies mid-run ends the run cleanly: no hang, no lost checkpoint. */
class WorkerFailureTest {

    @TempDir
    Path work;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldEndTheRunWithinThirtySecondsWhenAWorkerIsKilled() throws Exception {
        Path runDir = work.resolve("run");
        Path output = work.resolve("train.out");
        try (CohortProcess train = CohortProcess.start(output, "train", "--preset", "tiny",
                "--workers", "2", "--steps", "100000", "--run-dir", runDir.toString(),
                "--no-dashboard", "--set", "train.checkpoint-interval-steps=3",
                "--set", "train.eval-interval-steps=0")) {
            Path firstCheckpoint = runDir.resolve("checkpoints/step-0000003.ckpt");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (!Files.exists(firstCheckpoint) && System.nanoTime() < deadline
                    && train.process().isAlive()) {
                Thread.sleep(200);
            }
            assertTrue(Files.exists(firstCheckpoint), "no checkpoint appeared:\n"
                    + train.output());

            List<ProcessHandle> workers = train.process().children().toList();
            assertEquals(2, workers.size(), "expected two worker processes");
            workers.get(1).destroyForcibly();
            long killedAt = System.nanoTime();

            CohortProcess.Result result = train.await(60);
            double seconds = (System.nanoTime() - killedAt) / 1e9;

            assertTrue(seconds < 30, "the run took " + seconds + " s to end");
            assertNotEquals(0, result.exitCode());
            assertTrue(result.output().contains("cohort: run failed: "), result.output());
            assertTrue(result.output().contains("was lost"), result.output());
            assertTrue(train.process().descendants().noneMatch(ProcessHandle::isAlive),
                    "a worker process was left running");

            Path latest = RunSetup.latestCheckpoint(runDir);
            CheckpointState state = Checkpoints.read(latest);
            assertTrue(state.step() >= 3);
            try (var files = Files.list(runDir.resolve("checkpoints"))) {
                assertTrue(files.noneMatch(f -> !f.toString().endsWith(".ckpt")),
                        "a temporary checkpoint file was left behind");
            }
        }
    }
}
