package io.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cohort.coordinator.monitor.MetricsLog;
import io.cohort.coordinator.monitor.RunLog;
import io.cohort.coordinator.monitor.StepRecord;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The roles as separate commands, as on a cluster of machines: a coordinator and two workers
 * that join it, each with its own media driver, so that the gradients cross UDP.
 */
class MultiProcessClusterTest {

    @TempDir
    Path work;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldLowerTheLossWhenWorkersJoinACoordinatorStartedApart() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String address = "127.0.0.1:" + port;
        Path runDir = work.resolve("run");
        try (CohortProcess coordinator = CohortProcess.start(work.resolve("coordinator.out"),
                        "coordinator", "--bind", address, "--min-workers", "2",
                        "--preset", "tiny", "--steps", "20", "--run-dir", runDir.toString(),
                        "--no-dashboard", "--set", "train.eval-interval-steps=10",
                        "--set", "train.eval-iters=2", "--set", "train.sample-tokens=20");
                CohortProcess first = CohortProcess.start(work.resolve("worker-0.out"),
                        "worker", "--join", address, "--threads", "1");
                CohortProcess second = CohortProcess.start(work.resolve("worker-1.out"),
                        "worker", "--join", address, "--threads", "1")) {
            CohortProcess.Result result = coordinator.await(200);
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("over UDP"), result.output());
            assertEquals(0, first.await(30).exitCode(), first.output());
            assertEquals(0, second.await(30).exitCode(), second.output());
        }

        RunLog log = MetricsLog.read(runDir.resolve("metrics.jsonl"));
        List<StepRecord> steps = log.steps();
        assertEquals(20, steps.size());
        assertEquals(2, steps.get(0).workers());
        double early = (steps.get(0).loss() + steps.get(1).loss() + steps.get(2).loss()) / 3;
        double late = (steps.get(17).loss() + steps.get(18).loss() + steps.get(19).loss()) / 3;
        assertTrue(late < early - 0.1, "the loss went from " + early + " to " + late);
        assertEquals("finished", log.finished().status());
    }
}
