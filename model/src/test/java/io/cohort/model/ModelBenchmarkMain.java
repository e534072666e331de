package io.cohort.model;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Runs the model benchmark and a per-op profile; off unless {@code -Dcohort.benchmark=PRESET}
 * is given, for example
 * {@code ./mvnw -q -pl model -am test -Dtest=ModelBenchmarkMain -Dcohort.benchmark=small
 * -Dcohort.test.threads=1 -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "cohort.benchmark", matches = "\\w+")
class ModelBenchmarkMain {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void benchmark() {
        Preset preset = Preset.named(System.getProperty("cohort.benchmark"));
        int steps = Integer.getInteger("cohort.benchmark.steps", 10);
        // SameDiff's session code runs interpreted for the first steps; measure after that.
        int warmup = Integer.getInteger("cohort.benchmark.warmup", 10);
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long wallStart = System.nanoTime();
        ModelBenchmark.Result result = ModelBenchmark.run(preset, steps, warmup, 1L);
        double share = (double) (THREADS.getCurrentThreadCpuTime() - cpuStart)
                / (System.nanoTime() - wallStart);
        System.out.printf("BENCHMARK %s %s cpu/wall %.2f%n", preset.name(), result.toJson(), share);
        if (Boolean.getBoolean("cohort.benchmark.profile")) {
            profile(preset, steps);
        }
    }

    private static void profile(Preset preset, int steps) {
        try (Gpt gpt = Gpt.create(preset.gpt(ModelBenchmark.DEFAULT_VOCAB_SIZE), 1L)) {
            SplittableRandom random = new SplittableRandom(1L);
            SameDiff sd = gpt.graphFor(preset.blockSize());
            OpTimes times = new OpTimes();
            sd.setListeners(times);
            gpt.forwardBackward(ModelBenchmark.randomBatch(preset, 65, random));
            times.byOp.clear();
            long start = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < steps; i++) {
                gpt.forwardBackward(ModelBenchmark.randomBatch(preset, 65, random));
            }
            double totalMs = (THREADS.getCurrentThreadCpuTime() - start) / 1e6 / steps;
            double opsMs = times.byOp.values().stream().mapToLong(v -> v[0]).sum() / 1e6 / steps;
            System.out.printf("PROFILE cpu per step %.1f ms, inside ops %.1f ms%n", totalMs, opsMs);
            times.byOp.entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                    .limit(25)
                    .forEach(e -> System.out.printf("PROFILE %-45s %8.2f ms %5d calls%n",
                            e.getKey(), e.getValue()[0] / 1e6 / steps, e.getValue()[1] / steps));
        }
    }

    /** Wall time per op type, between the listener's before and after callbacks. */
    private static final class OpTimes extends BaseListener {

        private final Map<String, long[]> byOp = new HashMap<>();
        private long startNs;

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext context) {
            startNs = THREADS.getCurrentThreadCpuTime();
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op,
                OpContext context, INDArray[] outputs) {
            long[] entry = byOp.computeIfAbsent(op.getOp().opName(), k -> new long[2]);
            entry[0] += THREADS.getCurrentThreadCpuTime() - startNs;
            entry[1]++;
        }
    }
}
