package io.cohort.coordinator.cli;

import io.cohort.coordinator.CoordinatorNode;
import io.cohort.coordinator.RunDriver;
import io.cohort.coordinator.RunOutcome;
import io.cohort.coordinator.RunSetup;
import io.cohort.coordinator.dashboard.DashboardAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cohort train}: the coordinator here and its workers as processes of this machine. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train on this machine: a coordinator and N worker processes.")
final class TrainCommand implements Callable<Integer> {

    @Mixin
    RunOptions run;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2",
            description = "Worker processes, one replica each (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--threads-per-worker", paramLabel = "T",
            description = "Compute threads of each worker (default: cores / workers).")
    Integer threadsPerWorker;

    @Override
    public Integer call() throws Exception {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be at least 1, got " + workers);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int threads = threadsPerWorker != null ? threadsPerWorker : Math.max(1, cores / workers);
        if (threads < 1) {
            throw new IllegalArgumentException("--threads-per-worker must be at least 1, got "
                    + threads);
        }
        DashboardAddress dashboard = run.dashboardAddress();
        RunSetup.Prepared prepared = RunSetup.prepare(run.request(workers));
        CoordinatorNode.Options node = new CoordinatorNode.Options("127.0.0.1", 0, workers,
                threads, prepared.config().getString("cohort.coordinator.worker-heap"));
        RunOutcome outcome = RunDriver.run(prepared, node, dashboard);
        return outcome.status().exitCode();
    }
}
