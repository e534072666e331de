package io.cohort.worker;

import com.typesafe.config.Config;
import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.cohort.worker.collective.CollectiveSettings;
import io.cohort.worker.collective.MediaDrivers;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process: joins the coordinator's cluster, connects to (or starts) the host's Aeron
 * media driver, and runs one {@link Worker} until the coordinator shuts it down, the
 * coordinator is lost, or the process that launched it exits.
 */
public final class WorkerNode {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerNode.class);
    private static final int CONNECT_TIMEOUT_MS = 3000;
    private static final long RETRY_MS = 250;

    /**
     * How to start a worker.
     *
     * @param joinHost  the coordinator's host
     * @param joinPort  the coordinator's cluster port
     * @param bindHost  the address this worker listens on (cluster and UDP all-reduce)
     * @param aeronDir  the host's media driver, or {@code null} to start one in this process
     * @param threads   compute threads of this worker
     * @param parentPid a process whose exit ends this worker, or 0
     * @param joinTimeout how long to wait for the coordinator to be reachable
     */
    public record Options(String joinHost, int joinPort, String bindHost, Path aeronDir,
            int threads, long parentPid, Duration joinTimeout) {
    }

    private WorkerNode() {
    }

    /** Runs a worker to its end; returns the process exit code. */
    public static int run(Options options, Config user)
            throws IOException, InterruptedException {
        awaitReachable(options.joinHost(), options.joinPort(), options.joinTimeout());
        Nd4j.getEnvironment().setMaxThreads(options.threads());
        Nd4j.getEnvironment().setMaxMasterThreads(options.threads());
        Config config = ClusterConfig.node(user, "worker", options.bindHost(), 0,
                options.joinHost(), options.joinPort());
        CollectiveSettings collective = CollectiveSettings.from(config);

        MediaDriver driver = null;
        Path aeronDir = options.aeronDir();
        if (aeronDir == null) {
            aeronDir = Files.createTempDirectory("cohort-aeron-");
            driver = MediaDrivers.launch(aeronDir, collective);
        }
        try (MediaDriver ownDriver = driver;
                Aeron aeron = MediaDrivers.connect(aeronDir.toString())) {
            Worker.Identity identity = new Worker.Identity(options.bindHost(),
                    device(), options.threads(), aeronDir.toAbsolutePath().toString(),
                    options.bindHost() + ":" + freeUdpPort(options.bindHost()));
            Worker.WorkerRuntime runtime = new Worker.WorkerRuntime() {
                @Override
                public Aeron aeron() {
                    return aeron;
                }

                @Override
                public CollectiveSettings collective() {
                    return collective;
                }
            };
            AtomicReference<String> ending = new AtomicReference<>();
            ActorSystem<ClusterEvent.UnreachableMember> system = ActorSystem.create(
                    guardian(runtime, identity, ending), ClusterConfig.SYSTEM_NAME, config);
            if (options.parentPid() > 0) {
                ProcessHandle.of(options.parentPid()).ifPresentOrElse(
                        parent -> parent.onExit().thenRun(() -> {
                            ending.compareAndSet(null, "the launching process exited");
                            system.terminate();
                        }),
                        system::terminate);
            }
            system.getWhenTerminated().toCompletableFuture().join();
            String why = ending.get();
            if (why == null) {
                System.err.println("cohort: could not join the coordinator at "
                        + options.joinHost() + ":" + options.joinPort()
                        + "; check --join and that the coordinator is running there");
                return 2;
            }
            LOG.info("Worker ended: {}", why);
            return why.equals("shut down by the coordinator") ? 0 : 3;
        }
    }

    private static Behavior<ClusterEvent.UnreachableMember> guardian(
            Worker.WorkerRuntime runtime, Worker.Identity identity,
            AtomicReference<String> ending) {
        return Behaviors.setup(context -> {
            ActorRef<Worker.Command> worker =
                    context.spawn(Worker.create(runtime, identity), "worker");
            context.watch(worker);
            Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
                    context.getSelf(), ClusterEvent.UnreachableMember.class));
            return Behaviors.<ClusterEvent.UnreachableMember>receive(
                            ClusterEvent.UnreachableMember.class)
                    .onMessage(ClusterEvent.UnreachableMember.class, e -> {
                        if (!e.member().hasRole("coordinator")) {
                            return Behaviors.same();
                        }
                        ending.compareAndSet(null, "lost the coordinator at "
                                + e.member().address());
                        return Behaviors.stopped();
                    })
                    .onSignal(Terminated.class, t -> {
                        ending.compareAndSet(null, "shut down by the coordinator");
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }

    /** Workers may start before their coordinator: they wait for it, up to a limit. */
    private static void awaitReachable(String host, int port, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean told = false;
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
                return;
            } catch (IOException e) {
                if (System.nanoTime() >= deadline) {
                    throw new IllegalArgumentException("cannot reach the coordinator at " + host
                            + ":" + port + " within " + timeout.toSeconds() + " s ("
                            + e.getMessage() + "); check --join and that the coordinator is"
                            + " running there");
                }
                if (!told) {
                    LOG.info("Waiting for the coordinator at {}:{}", host, port);
                    told = true;
                }
                Thread.sleep(RETRY_MS);
            }
        }
    }

    /** The ND4J backend this worker computes on: the CPU, or a GPU. */
    private static String device() {
        String backend = Nd4j.getBackend().getClass().getSimpleName();
        if (!backend.toLowerCase(java.util.Locale.ROOT).contains("cu")) {
            return "cpu";
        }
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        return "cuda:" + (visible == null || visible.isEmpty() ? "0" : visible);
    }

    private static int freeUdpPort(String host) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(host, 0))) {
            return socket.getLocalPort();
        }
    }
}
