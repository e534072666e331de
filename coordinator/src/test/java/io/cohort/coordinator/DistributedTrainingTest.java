package io.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cohort.model.CheckpointState;
import io.cohort.model.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training through the real path: the coordinator, worker processes, the Pekko cluster, the
 * Aeron all-reduce and the optimizer. N workers sharing a global batch must compute what one
 * worker computes with the whole batch, and a resumed run must continue the very same run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributedTrainingTest {

    /** Divisible by 1, 2 and 3 workers. */
    private static final String BATCH = "train.batch-size=6";

    @TempDir
    static Path work;

    private static Path reference;

    @BeforeAll
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    static void trainOneWorkerForTenSteps() throws Exception {
        reference = work.resolve("one-worker");
        train(reference, 1, 10, "train.checkpoint-interval-steps=5");
    }

    @Test
    @Order(1)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldMatchOneWorkerWhenTwoWorkersShareTheBatch() throws Exception {
        Path run = work.resolve("two-workers");
        train(run, 2, 5);

        assertClose(checkpoint(reference, 5), checkpoint(run, 5), 1e-5);
    }

    @Test
    @Order(2)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldMatchOneWorkerWhenThreeWorkersShareTheBatch() throws Exception {
        Path run = work.resolve("three-workers");
        train(run, 3, 5);

        assertClose(checkpoint(reference, 5), checkpoint(run, 5), 1e-5);
    }

    @Test
    @Order(3)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldEndWithTheSameParametersWhenResumed() throws Exception {
        Path run = work.resolve("resumed");
        train(run, 1, 5);
        assertTrue(Files.exists(run.resolve("checkpoints/step-0000005.ckpt")));

        CohortProcess.Result resumed = CohortProcess.run(work, 180, "train", "--workers", "1",
                "--resume", run.toString(), "--steps", "10", "--no-dashboard");
        assertEquals(0, resumed.exitCode(), resumed.output());

        CheckpointState expected = checkpoint(reference, 10);
        CheckpointState actual = checkpoint(run, 10);
        assertEquals(expected.optimizerSteps(), actual.optimizerSteps());
        assertArrayEquals(expected.parameters(), actual.parameters(),
                "a resumed run must reach bit-identical parameters");
        assertArrayEquals(expected.secondMoment(), actual.secondMoment());
    }

    private static void train(Path runDir, int workers, int steps, String... extra)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("train", "--preset", "tiny",
                "--workers", Integer.toString(workers), "--steps", Integer.toString(steps),
                "--run-dir", runDir.toString(), "--no-dashboard", "--seed", "7",
                "--set", BATCH, "--set", "train.eval-iters=2", "--set", "train.sample-tokens=8",
                "--set", "train.check-interval-steps=1"));
        for (String setting : extra) {
            args.add("--set");
            args.add(setting);
        }
        CohortProcess.Result result = CohortProcess.run(work, 180, args.toArray(new String[0]));
        assertEquals(0, result.exitCode(), result.output());
    }

    private static CheckpointState checkpoint(Path runDir, long step) {
        return Checkpoints.read(runDir.resolve("checkpoints")
                .resolve(String.format("step-%07d.ckpt", step)));
    }

    /** Parameters agree to {@code tolerance} relative to the reference's norm. */
    private static void assertClose(CheckpointState expected, CheckpointState actual,
            double tolerance) {
        float[] a = expected.parameters();
        float[] b = actual.parameters();
        assertEquals(a.length, b.length);
        double diff = 0;
        double norm = 0;
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            diff += d * d;
            norm += (double) a[i] * a[i];
            worst = Math.max(worst, Math.abs(d) / Math.max(Math.abs(a[i]), 1e-3));
        }
        double relative = Math.sqrt(diff / norm);
        assertTrue(relative <= tolerance, "parameters differ by " + relative
                + " relative (worst element " + worst + ")");
        assertTrue(diff > 0 || a.length > 0);
    }
}
