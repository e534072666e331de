package io.cohort.coordinator;

import io.cohort.coordinator.monitor.StepRecord;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows a run's progress: a progress bar with loss, tokens/s and ETA on a terminal, and plain
 * log lines every so often when the output is not a terminal (a file, CI, a pipe).
 */
public final class ConsoleProgress implements RunListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleProgress.class);
    private static final long LOG_EVERY_NS = 10_000_000_000L;
    private static volatile boolean barShown;

    private final boolean terminal;
    private final PrintStream out;
    private ProgressBar bar;
    private long totalSteps;
    private long firstStep;
    private long startedNs;
    private long lastLoggedNs;
    private double lastValidation = Double.NaN;

    public ConsoleProgress(boolean terminal, PrintStream out) {
        this.terminal = terminal;
        this.out = out;
    }

    /** Whether a progress bar is on the terminal now. */
    public static boolean barShown() {
        return barShown;
    }

    /** A progress display suited to where standard output goes. */
    public static ConsoleProgress forStdout() {
        return new ConsoleProgress(System.console() != null, System.out);
    }

    @Override
    public void training(long fromStep, long total, long parameterCount) {
        this.totalSteps = total;
        this.firstStep = fromStep;
        this.startedNs = System.nanoTime();
        this.lastLoggedNs = startedNs;
        if (terminal) {
            bar = new ProgressBarBuilder()
                    .setTaskName("train")
                    .setInitialMax(total)
                    .startsFrom(fromStep, Duration.ZERO)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(out))
                    .build();
            barShown = true;
        }
    }

    @Override
    public void stepCompleted(StepRecord s) {
        String message = String.format(Locale.ROOT, "loss %.4f%s  %,.0f tok/s  all-reduce %.0f%%",
                s.loss(), Double.isNaN(lastValidation) ? ""
                        : String.format(Locale.ROOT, "  val %.4f", lastValidation),
                s.tokensPerS(), 100.0 * s.allReduceMs() / Math.max(s.stepMs(), 1e-9));
        if (bar != null) {
            bar.stepTo(s.step());
            bar.setExtraMessage(message);
            return;
        }
        long now = System.nanoTime();
        if (now - lastLoggedNs >= LOG_EVERY_NS || s.step() == totalSteps
                || s.step() == firstStep + 1) {
            lastLoggedNs = now;
            LOG.info("step {}/{}  {}  eta {}", s.step(), totalSteps, message,
                    eta(now, s.step()));
        }
    }

    @Override
    public void evaluated(long step, double trainLoss, double validationLoss) {
        lastValidation = validationLoss;
    }

    @Override
    public void ended(RunOutcome outcome) {
        if (bar != null) {
            bar.close();
            bar = null;
            barShown = false;
        }
    }

    private String eta(long now, long step) {
        long done = step - firstStep;
        if (done <= 0) {
            return "?";
        }
        long left = (long) ((now - startedNs) / 1e9 / done * (totalSteps - step));
        return left >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", left / 3600,
                left % 3600 / 60) : String.format(Locale.ROOT, "%dm%02ds", left / 60, left % 60);
    }
}
