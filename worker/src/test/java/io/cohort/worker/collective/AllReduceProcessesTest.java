package io.cohort.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.aeron.driver.MediaDriver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rings whose ranks are separate JVM processes around one media driver, run through the
 * benchmark with every sum checked by its rank.
 */
class AllReduceProcessesTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void shouldSumAcrossThreeProcessesWhenTheyShareOneDriverOverIpc() {
        final List<String> lines = runVerified("ipc", "fp32");

        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("{\"ranks\":3,\"mib\":1,\"ms\":"), lines.get(0));
        assertTrue(lines.get(1).contains("\"busbw_gbs\":"), lines.get(1));
    }

    @Test
    @Timeout(120)
    void shouldSumAcrossThreeProcessesWhenTheyTalkOverUdp() {
        final List<String> lines = runVerified("udp", "bf16");

        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("\"transport\":\"udp\""), lines.get(0));
        assertTrue(lines.get(0).contains("\"wire\":\"bf16\""), lines.get(0));
    }

    @Test
    @Timeout(120)
    void shouldTimeOutOnEverySurvivorWhenARankProcessIsKilledMidRun() throws Exception {
        final AllReduceBenchmark.Options options = AllReduceBenchmark.Options.parse(new String[] {
            "--ranks", "3", "--mib", "0.01", "--warmup", "0", "--iterations", "1000000"});
        final List<Process> ranks = new ArrayList<>();
        final List<Path> outputs = new ArrayList<>();
        try (MediaDriver driver = MediaDrivers.launch(dir.resolve("aeron"),
            CollectiveSettings.from(ConfigFactory.load()))) {
            for (int rank = 0; rank < 3; rank++) {
                final List<String> command = new ArrayList<>(AllReduceBenchmark.rankCommand(
                    options, driver.aeronDirectoryName(), new long[] {2621}, List.of("-"),
                    rank));
                command.add(1, "-Dcohort.collective.timeout=2s");
                outputs.add(dir.resolve("rank" + rank + ".out"));
                ranks.add(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(outputs.get(rank).toFile()).start());
            }
            awaitRunning(outputs);

            ranks.get(2).destroyForcibly().waitFor();
            final long killedAt = System.nanoTime();
            for (int rank = 0; rank < 2; rank++) {
                assertTrue(ranks.get(rank).waitFor(30, TimeUnit.SECONDS), "rank " + rank);
                final String out = Files.readString(outputs.get(rank));
                assertEquals(3, ranks.get(rank).exitValue(), out);
                assertTrue(out.contains("all-reduce timed out after 2000 ms in ring epoch 1"),
                    out);
                assertTrue(out.contains("phase "), out);
                assertTrue(out.contains("was waiting for rank "), out);
            }
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(20));
        } finally {
            ranks.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void shouldExplainWhenAnArgumentIsUnknown() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int status = AllReduceBenchmark.run(new String[] {"--rank", "2"},
            new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertEquals(2, status);
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("unknown argument '--rank'"));
    }

    private static void awaitRunning(final List<Path> outputs) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (final Path output : outputs) {
            while (!Files.readString(output).contains(AllReduceBenchmark.Rank.RUNNING)) {
                assertTrue(System.nanoTime() < deadline, "rank never ran: " + output);
                Thread.sleep(50);
            }
        }
    }

    private List<String> runVerified(final String transport, final String wire) {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // 1 MiB does not divide into 3 chunks; 0.00001 MiB is 2 values, fewer than the ranks.
        final int status = AllReduceBenchmark.run(new String[] {
            "--ranks", "3", "--mib", "1", "0.00001", "--transport", transport, "--wire", wire,
            "--warmup", "1", "--iterations", "3", "--verify",
            "--aeron-dir", dir.resolve("aeron").toString()},
            new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String out = bytes.toString(StandardCharsets.UTF_8);

        assertEquals(0, status, out);
        return out.lines().filter(line -> line.startsWith("{")).toList();
    }
}
