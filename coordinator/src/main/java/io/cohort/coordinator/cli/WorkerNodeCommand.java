package io.cohort.coordinator.cli;

import com.typesafe.config.ConfigFactory;
import io.cohort.worker.WorkerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort worker}: one worker that joins a coordinator. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a worker that joins the coordinator at HOST:PORT.")
final class WorkerNodeCommand implements Callable<Integer> {

    @Option(names = "--join", paramLabel = "HOST:PORT", required = true,
            description = "The coordinator's cluster address.")
    String join;

    @Option(names = "--bind", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "This worker's address for the cluster and the all-reduce"
                    + " (default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
            description = "The host's Aeron media driver (default: start one in this process).")
    Path aeronDir;

    @Option(names = "--threads", paramLabel = "T",
            description = "Compute threads (default: this machine's cores).")
    Integer threads;

    @Option(names = "--join-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the coordinator (default ${DEFAULT-VALUE} s).")
    long joinTimeoutSeconds;

    @Option(names = "--parent-pid", paramLabel = "PID", hidden = true, defaultValue = "0",
            description = "End when this process ends.")
    long parentPid;

    @Override
    public Integer call() throws Exception {
        HostPort coordinator = HostPort.parse("--join", join);
        int cores = Runtime.getRuntime().availableProcessors();
        int t = threads != null ? threads : cores;
        if (t < 1 || t > cores) {
            throw new IllegalArgumentException("--threads must be in [1, " + cores
                    + "] on this machine, got " + t);
        }
        if (parentPid > 0) {
            ignoreInterrupts();
        }
        return WorkerNode.run(new WorkerNode.Options(coordinator.host(), coordinator.port(),
                bind, aeronDir, t, parentPid, Duration.ofSeconds(joinTimeoutSeconds)),
                ConfigFactory.empty());
    }

    /**
     * A worker started by {@code cohort train} leaves Ctrl-C to its coordinator, which stops
     * the run in order and then shuts the workers down.
     */
    @SuppressWarnings("restriction")
    private static void ignoreInterrupts() {
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> { });
    }
}
