package io.cohort.coordinator.cli;

import io.cohort.coordinator.TrainBenchmark;
import io.cohort.model.ModelBenchmark;
import io.cohort.model.Preset;
import io.cohort.worker.collective.AllReduceBenchmark;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** {@code cohort bench}: benchmarks that print one JSON line per measurement. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: model, allreduce, train.",
        subcommands = {BenchCommand.Model.class, BenchCommand.AllReduce.class,
            BenchCommand.Train.class})
final class BenchCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Forward, backward and update of one replica. */
    @Command(name = "model", mixinStandardHelpOptions = true,
            description = "Tokens per second of one replica training on random batches.")
    static final class Model implements Callable<Integer> {

        @Option(names = "--preset", defaultValue = "small", paramLabel = "NAME",
                description = "tiny, small (default) or course.")
        String preset;

        @Option(names = "--steps", defaultValue = "20", paramLabel = "N",
                description = "Timed steps (default ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--warmup", defaultValue = "10", paramLabel = "N",
                description = "Untimed steps first (default ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--threads", paramLabel = "T",
                description = "Compute threads (default: OMP_NUM_THREADS, else all cores).")
        Integer threads;

        @Override
        public Integer call() {
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
            }
            if (threads != null) {
                Nd4j.getEnvironment().setMaxThreads(threads);
                Nd4j.getEnvironment().setMaxMasterThreads(threads);
            }
            System.out.println(ModelBenchmark.run(Preset.named(preset), steps, warmup, 1337L)
                    .toJson());
            return 0;
        }
    }

    /** The ring all-reduce between separate processes. */
    @Command(name = "allreduce", mixinStandardHelpOptions = true,
            description = "Ring all-reduce bandwidth between rank processes:"
                    + " --ranks N --mib S... [--transport ipc|udp] [--wire fp32|bf16].")
    static final class AllReduce implements Callable<Integer> {

        @Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            return AllReduceBenchmark.run(args.toArray(new String[0]), System.out);
        }
    }

    /** Whole training steps through the real path, for 1 and N workers. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Tokens/s and step time split of real training runs.")
    static final class Train implements Callable<Integer> {

        @Option(names = "--workers", defaultValue = "1,2", split = ",", paramLabel = "N,...",
                description = "Worker counts to run, one run each (default ${DEFAULT-VALUE}).")
        List<Integer> workers;

        @Option(names = "--preset", defaultValue = "small", paramLabel = "NAME",
                description = "tiny, small (default) or course.")
        String preset;

        @Option(names = "--steps", defaultValue = "40", paramLabel = "N",
                description = "Steps per run (default ${DEFAULT-VALUE}); the first 10 are"
                        + " warm-up and not counted.")
        int steps;

        @Option(names = "--data", paramLabel = "PATH", description = "Corpus (default:"
                + " embedded).")
        java.nio.file.Path data;

        @Option(names = "--threads-per-worker", paramLabel = "T",
                description = "Compute threads of each worker (default: cores / workers).")
        Integer threadsPerWorker;

        @Override
        public Integer call() throws Exception {
            return TrainBenchmark.run(workers, preset, steps, data, threadsPerWorker,
                    System.out);
        }
    }
}
