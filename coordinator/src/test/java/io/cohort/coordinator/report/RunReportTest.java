package io.cohort.coordinator.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cohort.coordinator.monitor.MetricsLog;
import io.cohort.coordinator.monitor.StepRecord;
import io.cohort.coordinator.monitor.WorkerStep;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunReportTest {

    private static final byte[] PNG_SIGNATURE =
            {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path runDir;

    /**
     * 200 steps of two workers: 1000 tokens in 100 ms each (10000 tokens/s), of which 80 ms
     * compute and 15 ms all-reduce; loss 3.0 falling 0.01 a step; evaluations every 50 steps.
     */
    private void writeKnownRun() throws Exception {
        try (MetricsLog log = MetricsLog.open(runDir)) {
            for (long s = 1; s <= 200; s++) {
                log.writeStep(new StepRecord(s, 3.0 - 0.01 * s, 1000, 10_000.0, 100.0, 80.0, 15.0,
                        2, 1e-3, List.of(new WorkerStep(0, 80.0, 15.0, 5000.0, 2.0),
                                new WorkerStep(1, 70.0, 15.0, 5000.0, 2.0))));
                if (s % 50 == 0) {
                    log.writeEval(s, 3.0 - 0.01 * s, 3.1 - 0.01 * s);
                }
            }
            log.writeCheckpoint(200, runDir.resolve("step-200.ckpt"));
            log.writeFinished(200, "finished", 21.5);
        }
        Files.writeString(runDir.resolve(RunReport.CONFIG_FILE),
                "cohort.train { preset = tiny, model = gpt }\ncohort.data = /data/oz.txt\n");
    }

    @Test
    void shouldPrintTheSummaryAndDrawTheLossPlotWhenMetricsAreKnown() throws Exception {
        writeKnownRun();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        int status = RunReport.report(runDir, out(printed));
        String out = printed.toString(StandardCharsets.UTF_8);

        assertEquals(RunReport.OK, status, out);
        assertTrue(out.contains("finished at step 200 after 21.5 s"), out);
        assertTrue(out.contains("steps        200 (last step 200)"), out);
        assertTrue(out.contains("train 1.0000 at step 200"), out);
        assertTrue(out.contains("evaluation at step 200: train 1.0000, val 1.1000"), out);
        assertTrue(out.contains("10000.0 tokens/s (200000 tokens in 20.00 s of steps)"), out);
        assertTrue(out.contains("compute 16.00 s (80.0%), all-reduce 3.00 s (15.0%), "
                + "other 1.00 s (5.0%)"), out);
        assertTrue(out.contains("workers      2"), out);
        assertTrue(out.contains("rank 1     compute 70.0 ms/step, all-reduce 15.0 ms/step"), out);
        assertTrue(out.contains("preset tiny, model gpt, data /data/oz.txt"), out);
        assertTrue(out.contains("the last at step 200"), out);
        assertLossPlot(runDir.resolve(RunReport.LOSS_PLOT));
    }

    @Test
    void shouldDrawTheLossPlotWhenRunEnds() throws Exception {
        writeKnownRun();

        Path plot = RunReport.drawLossPlot(runDir);

        assertEquals(runDir.resolve("loss.png"), plot);
        assertLossPlot(plot);
        Path artifacts = Path.of(System.getProperty("basedir", "."), "target", "report-artifacts");
        Files.createDirectories(artifacts);
        Files.copy(plot, artifacts.resolve("loss.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void shouldPrintOneLineAndFailWhenRunFolderIsMissing() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Path missing = runDir.resolve("no-such-run");

        int status = RunReport.report(missing, out(printed));

        assertEquals(RunReport.NO_RUN, status);
        assertEquals("no run folder at " + missing + "; pass the folder a training run wrote\n",
                printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintOneLineAndFailWhenMetricsAreMissing() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        int status = RunReport.report(runDir, out(printed));

        assertEquals(RunReport.NO_RUN, status);
        assertEquals("no metrics.jsonl in " + runDir + "; pass the folder a training run wrote\n",
                printed.toString(StandardCharsets.UTF_8));
        assertTrue(Files.notExists(runDir.resolve(RunReport.LOSS_PLOT)));
    }

    private static PrintStream out(ByteArrayOutputStream printed) {
        return new PrintStream(printed, true, StandardCharsets.UTF_8);
    }

    private static void assertLossPlot(Path png) throws Exception {
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(Arrays.equals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8)), "not a PNG: " + png);
        assertTrue(bytes.length > 10_000, "loss.png of only " + bytes.length + " bytes");
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(LossPlot.WIDTH, image.getWidth());
        assertEquals(LossPlot.HEIGHT, image.getHeight());
        assertTrue(Files.notExists(png.resolveSibling("loss.png.tmp")));
    }
}
