package io.cohort.coordinator;

import io.cohort.coordinator.monitor.StepRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code cohort bench train}: real training runs (coordinator, worker processes, Aeron
 * all-reduce, optimizer) of a preset's model for several worker counts, one after the other in
 * one invocation so that their figures compare. Prints one JSON line per run.
 */
public final class TrainBenchmark {

    private static final int WARMUP_STEPS = 10;

    private TrainBenchmark() {
    }

    /** Runs the benchmark and returns the exit code. */
    public static int run(List<Integer> workerCounts, String preset, int steps, Path data,
            Integer threadsPerWorker, PrintStream out) throws IOException {
        if (steps <= WARMUP_STEPS) {
            throw new IllegalArgumentException("--steps must exceed the " + WARMUP_STEPS
                    + " warm-up steps, got " + steps);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        double baseline = Double.NaN;
        for (int workers : workerCounts) {
            if (workers < 1) {
                throw new IllegalArgumentException("--workers must be at least 1, got "
                        + workers);
            }
            Path runDir = Files.createTempDirectory("cohort-bench-");
            try {
                Recorder recorder = new Recorder();
                RunSetup.Prepared prepared = RunSetup.prepare(new RunSetup.Request(preset, "gpt",
                        data, (long) steps, 1337L, runDir, null, List.of(
                                "train.eval-iters=1", "train.sample-tokens=1",
                                "train.eval-interval-steps=0",
                                "train.checkpoint-interval-steps=0",
                                "train.check-interval-steps=0"), workers));
                CoordinatorNode.Options node = new CoordinatorNode.Options("127.0.0.1", 0,
                        workers, threadsPerWorker != null ? threadsPerWorker
                                : Math.max(1, cores / workers),
                        prepared.config().getString("cohort.coordinator.worker-heap"));
                RunOutcome outcome = CoordinatorNode.run(prepared.plan(), prepared.config(),
                        node, recorder, started -> { });
                if (outcome.status() != RunOutcome.Status.FINISHED) {
                    throw new IllegalStateException("benchmark run with " + workers
                            + " worker(s) failed: " + outcome.message());
                }
                double tokensPerS = recorder.tokens / (recorder.stepMs / 1e3);
                if (Double.isNaN(baseline)) {
                    baseline = tokensPerS;
                }
                out.println(String.format(Locale.ROOT, "{\"workers\":%d,\"preset\":\"%s\","
                        + "\"steps\":%d,\"tokens_per_s\":%.1f,\"step_ms\":%.2f,"
                        + "\"compute_ms\":%.2f,\"allreduce_ms\":%.2f,\"other_ms\":%.2f,"
                        + "\"allreduce_share\":%.4f,\"speedup\":%.3f}",
                        workers, preset, recorder.count, tokensPerS,
                        recorder.stepMs / recorder.count, recorder.computeMs / recorder.count,
                        recorder.allReduceMs / recorder.count,
                        recorder.otherMs / recorder.count,
                        recorder.allReduceMs / recorder.stepMs, tokensPerS / baseline));
                out.flush();
            } finally {
                deleteTree(runDir);
            }
        }
        return 0;
    }

    /** Sums the timed steps after the warm-up. */
    private static final class Recorder implements RunListener {
        long count;
        long tokens;
        double stepMs;
        double computeMs;
        double allReduceMs;
        double otherMs;

        @Override
        public void stepCompleted(StepRecord s) {
            if (s.step() <= WARMUP_STEPS) {
                return;
            }
            count++;
            tokens += s.tokens();
            stepMs += s.stepMs();
            computeMs += s.computeMs();
            allReduceMs += s.allReduceMs();
            otherMs += s.stepMs() - s.computeMs() - s.allReduceMs();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }
}
