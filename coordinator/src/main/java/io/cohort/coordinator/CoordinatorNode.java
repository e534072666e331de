package io.cohort.coordinator;

import com.typesafe.config.Config;
import io.aeron.driver.MediaDriver;
import io.cohort.worker.ClusterConfig;
import io.cohort.worker.CoordinatorCommand;
import io.cohort.worker.collective.CollectiveSettings;
import io.cohort.worker.collective.MediaDrivers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's process: the actor system that forms the cluster, the coordinator actor,
 * the host's Aeron media driver and, for {@code cohort train}, the local worker processes.
 * Everything it starts is stopped when the run ends, fails, or is interrupted.
 */
public final class CoordinatorNode {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorNode.class);

    /**
     * How to run the coordinator.
     *
     * @param bindHost         the cluster address's host
     * @param bindPort         the cluster port; 0 picks a free one
     * @param localWorkers     worker processes to start on this machine (0: they join)
     * @param threadsPerWorker compute threads of each local worker
     * @param workerHeap       the JVM heap of each local worker, such as {@code 2g}
     */
    public record Options(String bindHost, int bindPort, int localWorkers, int threadsPerWorker,
            String workerHeap) {
    }

    /** A run in progress: the coordinator's address and its controls. */
    public interface Started {
        ActorRef<CoordinatorCommand> coordinator();

        ActorSystem<?> system();

        String clusterAddress();

        /** Closes {@code resource} when the run ends, while the actor system still runs. */
        void closeAtEnd(AutoCloseable resource);
    }

    private CoordinatorNode() {
    }

    /**
     * Runs {@code plan} to its end.
     *
     * @param onStarted called once the cluster is up, before any worker joins
     */
    public static RunOutcome run(RunPlan plan, Config user, Options options, RunListener listener,
            java.util.function.Consumer<Started> onStarted) throws IOException {
        if (options.bindPort() != 0) {
            checkPortFree(options.bindHost(), options.bindPort());
        }
        Config config = ClusterConfig.coordinator(user, options.bindHost(), options.bindPort());
        CollectiveSettings collective = CollectiveSettings.from(config);
        CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
        CompletableFuture<ActorRef<CoordinatorCommand>> coordinator = new CompletableFuture<>();

        MediaDriver driver = null;
        Path aeronDir = null;
        if (options.localWorkers() > 0) {
            aeronDir = Files.createTempDirectory("cohort-aeron-");
            driver = MediaDrivers.launch(aeronDir, collective);
        }
        ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
            coordinator.complete(context.spawn(Coordinator.create(plan, listener, outcome),
                    "coordinator"));
            return Behaviors.empty();
        }), ClusterConfig.SYSTEM_NAME, config);
        ActorRef<CoordinatorCommand> ref = coordinator.join();
        Cluster cluster = Cluster.get(system);
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        int port = cluster.selfMember().address().getPort().get();
        String address = options.bindHost() + ":" + port;
        LOG.info("Coordinator listening on {}; workers join with: cohort worker --join {}",
                address, address);

        Interrupts interrupts =
                Interrupts.install(reason -> ref.tell(new Coordinator.Stop(reason)));

        List<AutoCloseable> closeAtEnd = new ArrayList<>();
        LocalWorkers workers = null;
        try {
            onStarted.accept(new Started() {
                @Override
                public ActorRef<CoordinatorCommand> coordinator() {
                    return ref;
                }

                @Override
                public ActorSystem<?> system() {
                    return system;
                }

                @Override
                public String clusterAddress() {
                    return address;
                }

                @Override
                public void closeAtEnd(AutoCloseable resource) {
                    closeAtEnd.add(resource);
                }
            });
            if (options.localWorkers() > 0) {
                workers = LocalWorkers.start(options.localWorkers(), options.threadsPerWorker(),
                        options.bindHost(), port, aeronDir, plan.runDir().resolve("logs"),
                        options.workerHeap(), (index, code) -> ref.tell(new Coordinator.WorkerLost(
                                "worker process " + index, "it exited with code " + code
                                        + "; see " + plan.runDir().resolve("logs")
                                        .resolve("worker-" + index + ".log"))));
            }
            RunOutcome result = outcome.join();
            if (workers != null) {
                workers.awaitExit(15);
            }
            return result;
        } finally {
            if (workers != null) {
                workers.close();
            }
            for (AutoCloseable resource : closeAtEnd) {
                try {
                    resource.close();
                } catch (Exception e) {
                    LOG.warn("Could not close {}: {}", resource, e.toString());
                }
            }
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
            if (driver != null) {
                driver.close();
            }
            interrupts.close();
        }
    }

    private static void checkPortFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(host))) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot listen on " + host + ":" + port + " ("
                    + e.getMessage() + "); the port is in use or the address is not this"
                    + " machine's; pass --bind HOST:PORT with a free port");
        }
    }
}
