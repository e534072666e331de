package io.cohort.coordinator.report;

import io.cohort.coordinator.monitor.Checkpoint;
import io.cohort.coordinator.monitor.EvalPoint;
import io.cohort.coordinator.monitor.MetricsLog;
import io.cohort.coordinator.monitor.RunLog;
import io.cohort.coordinator.monitor.StepRecord;
import io.cohort.coordinator.monitor.WorkerStep;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The summary of a finished (or running) training run, read from its run folder: steps, final
 * losses, throughput, time by phase and workers; and its loss plot, redrawn as
 * {@code loss.png}.
 */
public final class RunReport {

    /** The loss plot's file name inside the run folder. */
    public static final String LOSS_PLOT = "loss.png";
    /** The resolved settings' file name inside the run folder. */
    public static final String CONFIG_FILE = "config.conf";

    /** Exit status of a report that was printed. */
    public static final int OK = 0;
    /** Exit status when the summary was printed but the loss plot could not be written. */
    public static final int NO_PLOT = 1;
    /** Exit status when the run folder cannot be reported on. */
    public static final int NO_RUN = 2;

    private RunReport() {
    }

    /**
     * Prints the summary of the run in {@code runDir} to {@code out} and redraws its loss plot.
     * A folder that is missing, or has no readable {@code metrics.jsonl}, gets one line that
     * says so.
     *
     * @return {@link #OK}; {@link #NO_RUN} when there was nothing to report; {@link #NO_PLOT}
     *     when the plot could not be written
     */
    public static int report(Path runDir, PrintStream out) {
        Path metrics = runDir.resolve(MetricsLog.FILE_NAME);
        if (!Files.isDirectory(runDir)) {
            out.println("no run folder at " + runDir + "; pass the folder a training run wrote");
            return NO_RUN;
        }
        if (!Files.isRegularFile(metrics)) {
            out.println("no " + MetricsLog.FILE_NAME + " in " + runDir
                    + "; pass the folder a training run wrote");
            return NO_RUN;
        }
        RunLog log;
        try {
            log = MetricsLog.read(metrics);
        } catch (UncheckedIOException e) {
            out.println(e.getMessage());
            return NO_RUN;
        }
        if (log.steps().isEmpty()) {
            out.println("no steps in " + metrics + "; the run ended before its first step");
            return NO_RUN;
        }
        printSummary(out, runDir, log, readConfig(runDir));
        try {
            Path plot = LossPlot.write(runDir.resolve(LOSS_PLOT), log.steps(), log.evals());
            out.println(line("loss plot", plot.toString()));
            return OK;
        } catch (UncheckedIOException e) {
            out.println(e.getMessage());
            return NO_PLOT;
        }
    }

    /**
     * Draws {@code loss.png} in {@code runDir} from its {@code metrics.jsonl}; the coordinator
     * calls it when a run ends.
     *
     * @return the plot's path
     * @throws UncheckedIOException when the metrics cannot be read or the plot written
     */
    public static Path drawLossPlot(Path runDir) {
        RunLog log = MetricsLog.read(runDir.resolve(MetricsLog.FILE_NAME));
        return LossPlot.write(runDir.resolve(LOSS_PLOT), log.steps(), log.evals());
    }

    private static void printSummary(PrintStream out, Path runDir, RunLog log,
            Map<String, String> config) {
        RunTotals totals = RunTotals.of(log);
        out.println(line("run", runDir.getFileName() + (config.isEmpty()
                ? " (no " + CONFIG_FILE + ")"
                : format(" (preset %s, model %s, data %s)",
                        config.getOrDefault("train.preset", "?"),
                        config.getOrDefault("train.model", "?"),
                        config.getOrDefault("data", "embedded")))));
        out.println(line("status", status(log)));
        out.println(line("steps", format("%d (last step %d)", log.steps().size(),
                totals.last.step())));
        out.println(line("loss", losses(log, totals.last)));
        out.println(line("throughput", format("%.1f tokens/s (%d tokens in %.2f s of steps)",
                totals.tokensPerS(), totals.tokens, totals.stepMs / 1000)));
        out.println(line("time", format(
                "compute %.2f s (%.1f%%), all-reduce %.2f s (%.1f%%), other %.2f s (%.1f%%)",
                totals.computeMs / 1000, totals.share(totals.computeMs),
                totals.allReduceMs / 1000, totals.share(totals.allReduceMs),
                totals.otherMs() / 1000, totals.share(totals.otherMs()))));
        out.println(line("workers", String.valueOf(totals.maxWorkers)));
        printWorkers(out, log);
        out.println(line("checkpoints", checkpoints(log)));
    }

    private static String status(RunLog log) {
        RunLog.Finished finished = log.finished();
        if (finished == null) {
            return "no end line: still running, or ended without one";
        }
        return format("%s at step %d after %.1f s", finished.status(), finished.step(),
                finished.elapsedSeconds());
    }

    private static String losses(RunLog log, StepRecord last) {
        String train = format("train %.4f at step %d", last.loss(), last.step());
        if (log.evals().isEmpty()) {
            return train + "; no evaluation";
        }
        EvalPoint eval = log.evals().get(log.evals().size() - 1);
        return train + format("; evaluation at step %d: train %.4f, val %.4f",
                eval.step(), eval.trainLoss(), eval.validationLoss());
    }

    private static void printWorkers(PrintStream out, RunLog log) {
        Map<Integer, double[]> sums = new TreeMap<>();
        for (StepRecord r : log.steps()) {
            for (WorkerStep w : r.perWorker()) {
                double[] s = sums.computeIfAbsent(w.rank(), rank -> new double[5]);
                s[0] += w.computeMs();
                s[1] += w.allReduceMs();
                s[2] += w.tokensPerS();
                s[3] += w.busbwGbs();
                s[4]++;
            }
        }
        for (Map.Entry<Integer, double[]> e : sums.entrySet()) {
            double[] s = e.getValue();
            out.println(line("  rank " + e.getKey(), format(
                    "compute %.1f ms/step, all-reduce %.1f ms/step, %.1f tokens/s, "
                            + "busbw %.2f GB/s (means over %d steps)",
                    s[0] / s[4], s[1] / s[4], s[2] / s[4], s[3] / s[4], (long) s[4])));
        }
    }

    private static String checkpoints(RunLog log) {
        if (log.checkpoints().isEmpty()) {
            return "none";
        }
        Checkpoint last = log.checkpoints().get(log.checkpoints().size() - 1);
        return format("%d, the last at step %d: %s", log.checkpoints().size(), last.step(),
                last.path());
    }

    private static Map<String, String> readConfig(Path runDir) {
        Path file = runDir.resolve(CONFIG_FILE);
        Map<String, String> config = new TreeMap<>();
        if (!Files.isRegularFile(file)) {
            return config;
        }
        try {
            ConfigFactory.parseFile(file.toFile()).resolve().getConfig("cohort").entrySet()
                    .forEach(e -> config.put(e.getKey(),
                            String.valueOf(e.getValue().unwrapped())));
        } catch (ConfigException e) {
            // The settings only name the run; a broken file leaves them out of the report.
            config.clear();
        }
        return config;
    }

    private static String line(String label, String value) {
        return String.format(Locale.ROOT, "%-12s %s", label, value);
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /** Sums over every step of a run. */
    private record RunTotals(StepRecord last, long tokens, double stepMs, double computeMs,
            double allReduceMs, int maxWorkers) {

        static RunTotals of(RunLog log) {
            long tokens = 0;
            double stepMs = 0;
            double computeMs = 0;
            double allReduceMs = 0;
            int maxWorkers = 0;
            for (StepRecord r : log.steps()) {
                tokens += r.tokens();
                stepMs += r.stepMs();
                computeMs += r.computeMs();
                allReduceMs += r.allReduceMs();
                maxWorkers = Math.max(maxWorkers, r.workers());
            }
            StepRecord last = log.steps().get(log.steps().size() - 1);
            return new RunTotals(last, tokens, stepMs, computeMs, allReduceMs, maxWorkers);
        }

        double tokensPerS() {
            return stepMs > 0 ? tokens / (stepMs / 1000) : 0;
        }

        double otherMs() {
            return Math.max(0, stepMs - computeMs - allReduceMs);
        }

        double share(double ms) {
            return stepMs > 0 ? 100 * ms / stepMs : 0;
        }
    }
}
