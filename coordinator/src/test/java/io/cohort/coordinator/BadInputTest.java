package io.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each mistake a user can make gets one clear line and a non-zero exit, never a trace. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BadInputTest {

    @TempDir
    Path work;

    @Test
    void shouldNameThePresetsWhenThePresetIsUnknown() throws Exception {
        assertOneLine(run("train", "--preset", "huge", "--no-dashboard"), "unknown preset 'huge'");
    }

    @Test
    void shouldRefuseZeroWorkers() throws Exception {
        assertOneLine(run("train", "--workers", "0", "--no-dashboard"),
                "--workers must be at least 1");
    }

    @Test
    void shouldNameTheFileWhenTheDataDoesNotExist() throws Exception {
        Path missing = work.resolve("no-such-corpus.txt");
        assertOneLine(run("train", "--data", missing.toString(), "--no-dashboard"),
                missing.toString());
    }

    @Test
    void shouldSayThePortIsTakenWhenTheCoordinatorCannotBind() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            assertOneLine(run("coordinator", "--bind", address, "--no-dashboard",
                    "--run-dir", work.resolve("run").toString()), "cannot listen on " + address);
        }
    }

    @Test
    void shouldSayTheDashboardPortIsTakenWhenItIsInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            assertOneLine(run("train", "--preset", "tiny", "--dashboard", address,
                    "--run-dir", work.resolve("run").toString()),
                    "dashboard port " + address + " is already in use");
        }
    }

    @Test
    void shouldRefuseAMalformedDashboardAddressBeforeCreatingTheRunFolder() throws Exception {
        Path runDir = work.resolve("never");
        assertOneLine(run("train", "--dashboard", "localhost", "--run-dir", runDir.toString()),
                "--dashboard must be HOST:PORT");
        assertFalse(java.nio.file.Files.exists(runDir), "a run folder was created");
    }

    @Test
    void shouldSayTheCoordinatorIsUnreachableWhenJoinFails() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        assertOneLine(run("worker", "--join", "127.0.0.1:" + closedPort, "--join-timeout", "2"),
                "cannot reach the coordinator at 127.0.0.1:" + closedPort);
    }

    @Test
    void shouldNameTheKeyWhenASettingIsUnknown() throws Exception {
        assertOneLine(run("train", "--set", "train.learning-speed=3", "--no-dashboard"),
                "unknown setting 'train.learning-speed'");
    }

    private CohortProcess.Result run(String... args) throws Exception {
        return CohortProcess.run(work, 90, args);
    }

    private static void assertOneLine(CohortProcess.Result result, String expected) {
        assertNotEquals(0, result.exitCode(), result.output());
        assertEquals(1, result.errorLines().size(), result.output());
        assertTrue(result.errorLines().get(0).contains(expected), result.output());
        assertFalse(result.output().contains("\tat "), "a stack trace:\n" + result.output());
        assertFalse(result.output().contains("Exception"), "an exception:\n" + result.output());
    }
}
