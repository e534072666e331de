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

/** {@code cohort coordinator}: the coordinator alone; workers join it from anywhere. */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = "Run the coordinator; workers join it with cohort worker --join.")
final class CoordinatorNodeCommand implements Callable<Integer> {

    @Mixin
    RunOptions run;

    @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:25520",
            description = "The cluster address workers join (default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--min-workers", paramLabel = "N", defaultValue = "2",
            description = "Workers to wait for before training (default ${DEFAULT-VALUE}).")
    int minWorkers;

    @Override
    public Integer call() throws Exception {
        if (minWorkers < 1) {
            throw new IllegalArgumentException("--min-workers must be at least 1, got "
                    + minWorkers);
        }
        HostPort address = HostPort.parse("--bind", bind);
        DashboardAddress dashboard = run.dashboardAddress();
        RunSetup.Prepared prepared = RunSetup.prepare(run.request(minWorkers));
        CoordinatorNode.Options node = new CoordinatorNode.Options(address.host(),
                address.port(), 0, 0, "");
        RunOutcome outcome = RunDriver.run(prepared, node, dashboard);
        return outcome.status().exitCode();
    }
}
