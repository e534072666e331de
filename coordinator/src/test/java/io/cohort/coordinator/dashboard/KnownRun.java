package io.cohort.coordinator.dashboard;

import io.cohort.coordinator.monitor.RunInfo;
import io.cohort.coordinator.monitor.RunMonitor;
import io.cohort.coordinator.monitor.RunState;
import io.cohort.coordinator.monitor.StepRecord;
import io.cohort.coordinator.monitor.WorkerInfo;
import io.cohort.coordinator.monitor.WorkerStep;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A run of two workers whose every number is known, fed into a real {@link RunMonitor}. */
final class KnownRun {

    static final String NAME = "known-run";
    static final long TOTAL_STEPS = 1000;
    static final int TOKENS_PER_STEP = 2048;

    private KnownRun() {
    }

    static RunInfo info() {
        return new RunInfo(NAME, "tiny", "gpt", 1_234_567, "wizard_of_oz", TOTAL_STEPS, 2,
                Path.of("runs", NAME), Instant.now().minusSeconds(90), Map.of("seed", "7",
                "model.n-layer", "4", "model.n-embd", "128", "train.batch-size", "32",
                "train.learning-rate", "1e-3", "train.steps", "1000"));
    }

    /** The loss of step {@code step}: falls from 4.0 by 0.01 a step. */
    static double loss(long step) {
        return 4.0 - 0.01 * step;
    }

    /** Tokens per second of step {@code step}: 10000 plus 10 a step. */
    static double tokensPerS(long step) {
        return 10_000 + 10 * step;
    }

    static double computeMs(long step) {
        return 100 + step % 7;
    }

    static double allReduceMs(long step) {
        return 5 + step % 3;
    }

    static StepRecord step(long step) {
        List<WorkerStep> perWorker = List.of(
                new WorkerStep(0, computeMs(step), allReduceMs(step), tokensPerS(step) / 2, 1.5),
                new WorkerStep(1, computeMs(step) - 2, allReduceMs(step), tokensPerS(step) / 2,
                        1.25));
        return new StepRecord(step, loss(step), TOKENS_PER_STEP, tokensPerS(step),
                computeMs(step) + allReduceMs(step) + 1, computeMs(step), allReduceMs(step), 2,
                1e-3, perWorker);
    }

    /** Starts the run, adds both workers and completes steps 1 to {@code steps}. */
    static void feed(RunMonitor monitor, long steps) {
        monitor.runStarted(info());
        monitor.workerUpdated(worker(0, 0));
        monitor.workerUpdated(worker(1, 0));
        monitor.stateChanged(RunState.TRAINING);
        feedSteps(monitor, 1, steps);
    }

    /** Completes steps {@code from} to {@code to}, evaluating every 5 steps. */
    static void feedSteps(RunMonitor monitor, long from, long to) {
        for (long s = from; s <= to; s++) {
            monitor.stepCompleted(step(s));
            if (s % 5 == 0) {
                monitor.evaluated(s, loss(s) - 0.05, loss(s) + 0.1);
            }
        }
        monitor.workerUpdated(worker(0, to));
        monitor.workerUpdated(worker(1, to));
    }

    static WorkerInfo worker(int rank, long lastStep) {
        return new WorkerInfo(rank, "host-" + rank, "cpu", "training", lastStep, Instant.now());
    }
}
