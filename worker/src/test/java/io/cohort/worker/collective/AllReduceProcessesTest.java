package io.cohort.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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
    void shouldExplainWhenAnArgumentIsUnknown() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int status = AllReduceBenchmark.run(new String[] {"--rank", "2"},
            new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertEquals(2, status);
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("unknown argument '--rank'"));
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
