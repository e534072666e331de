package io.cohort.worker;

import com.typesafe.config.ConfigFactory;
import io.cohort.model.TextCorpus;
import io.cohort.proto.Admit;
import io.cohort.proto.CheckpointSaved;
import io.cohort.proto.CoordinatorEvent;
import io.cohort.proto.RingPeer;
import io.cohort.proto.SampleGenerated;
import io.cohort.proto.SaveCheckpoint;
import io.cohort.proto.StepFailed;
import io.cohort.proto.WorkerCommand;
import io.cohort.proto.WorkerHello;
import io.cohort.proto.WorkerReady;
import io.cohort.worker.collective.CollectiveSettings;
import io.cohort.worker.collective.RingAllReduce;
import io.cohort.worker.collective.RingMember;
import io.cohort.worker.collective.RingSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A worker owns one replica on one device. It finds the coordinator through the receptionist,
 * introduces itself, and then does what it is told: join a ring, run steps, evaluate, sample,
 * checkpoint. The arithmetic runs on a device thread of its own, never on the actor's thread;
 * its results come back to the actor as messages.
 */
public final class Worker extends AbstractBehavior<Worker.Command> {

    /** The coordinator registers under this key. */
    public static final ServiceKey<CoordinatorCommand> COORDINATOR_KEY =
            ServiceKey.create(CoordinatorCommand.class, "cohort-coordinator");

    /** What a worker accepts. */
    public sealed interface Command permits FromCoordinator, CoordinatorsListed, DeviceReplied {
    }

    /** A command from the coordinator, with the coordinator's address. */
    public record FromCoordinator(WorkerCommand command, ActorRef<CoordinatorCommand> coordinator)
            implements Command {
    }

    private record CoordinatorsListed(Receptionist.Listing listing) implements Command {
    }

    private record DeviceReplied(CoordinatorEvent event, Throwable failure, long step)
            implements Command {
    }

    /** Where this worker runs, as it introduces itself to the coordinator. */
    public record Identity(String host, String device, int threads, String aeronDir,
            String udpEndpoint) {
    }

    private final WorkerRuntime runtime;
    private final Identity identity;
    private final ExecutorService device;
    private ActorRef<CoordinatorCommand> coordinator;
    private Replica replica;
    private RingAllReduce ring;
    private int rank = -1;
    private long epoch;

    private Worker(ActorContext<Command> context, WorkerRuntime runtime, Identity identity) {
        super(context);
        this.runtime = runtime;
        this.identity = identity;
        this.device = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "cohort-device-" + context.getSelf().path().name());
            thread.setDaemon(true);
            return thread;
        });
        ActorRef<Receptionist.Listing> listings =
                context.messageAdapter(Receptionist.Listing.class, CoordinatorsListed::new);
        context.getSystem().receptionist()
                .tell(Receptionist.subscribe(COORDINATOR_KEY, listings));
    }

    /**
     * A worker that looks for a coordinator in its cluster.
     *
     * @param runtime the host's Aeron client and the collective settings
     */
    public static Behavior<Command> create(WorkerRuntime runtime, Identity identity) {
        return Behaviors.setup(context -> new Worker(context, runtime, identity));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(CoordinatorsListed.class, this::onCoordinatorsListed)
                .onMessage(FromCoordinator.class, this::onCommand)
                .onMessage(DeviceReplied.class, this::onDeviceReplied)
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onCoordinatorsListed(CoordinatorsListed listed) {
        var found = listed.listing().getServiceInstances(COORDINATOR_KEY);
        if (coordinator == null && !found.isEmpty()) {
            coordinator = found.iterator().next();
            getContext().getLog().info("Found the coordinator at [{}]", coordinator.path());
            tell(CoordinatorEvent.newBuilder().setHello(WorkerHello.newBuilder()
                    .setHost(identity.host())
                    .setDevice(identity.device())
                    .setThreads(identity.threads())
                    .setAeronDir(identity.aeronDir())
                    .setUdpEndpoint(identity.udpEndpoint())
                    .setPid(ProcessHandle.current().pid()))
                    .build());
        }
        return this;
    }

    private Behavior<Command> onCommand(FromCoordinator message) {
        coordinator = message.coordinator();
        WorkerCommand command = message.command();
        switch (command.getKindCase()) {
            case ADMIT:
                onAdmit(command.getAdmit());
                return this;
            case RUN_STEP:
                long step = command.getRunStep().getStep();
                boolean checksum = command.getRunStep().getReportChecksum();
                onDevice(step, () -> CoordinatorEvent.newBuilder().setStepCompleted(
                        replica.step(epoch, step, checksum)).build());
                return this;
            case EVALUATE:
                var evaluate = command.getEvaluate();
                onDevice(evaluate.getStep(), () -> CoordinatorEvent.newBuilder().setEvaluated(
                        replica.evaluate(evaluate.getStep(), evaluate.getOffset(),
                                evaluate.getStride())).build());
                return this;
            case SAMPLE:
                var sample = command.getSample();
                onDevice(sample.getStep(), () -> CoordinatorEvent.newBuilder().setSampleGenerated(
                        SampleGenerated.newBuilder().setRank(rank)
                                .setStep(sample.getStep())
                                .setText(replica.sample(sample.getStep(), sample.getTokens(),
                                        sample.getPrompt())))
                        .build());
                return this;
            case SAVE_CHECKPOINT:
                onSaveCheckpoint(command.getSaveCheckpoint());
                return this;
            case SHUTDOWN:
                getContext().getLog().info("Shutting down: {}", command.getShutdown().getReason());
                return Behaviors.stopped();
            default:
                getContext().getLog().warn("Ignoring an unknown command [{}]",
                        command.getKindCase());
                return this;
        }
    }

    private void onAdmit(Admit admit) {
        rank = admit.getRank();
        epoch = admit.getEpoch();
        getContext().getLog().info("Admitted as rank {} of {} (ring epoch {})", rank,
                admit.getWorldSize(), epoch);
        onDevice(0, () -> {
            TrainSettings settings = TrainSettings.from(
                    ClusterConfig.settings(ConfigFactory.parseString(admit.getSettings())));
            TextCorpus corpus = admit.getDataPath().isEmpty()
                    ? TextCorpus.fromText(admit.getDataName(),
                            admit.getDataText().toString(StandardCharsets.UTF_8))
                    : TextCorpus.load(Path.of(admit.getDataPath()));
            closeReplica();
            Path resume = admit.getResumeCheckpoint().isEmpty()
                    ? null : Path.of(admit.getResumeCheckpoint());
            replica = Replica.create(settings, corpus, rank, admit.getWorldSize(), resume);
            if (admit.getWorldSize() > 1) {
                ring = openRing(admit, replica.parameterCount());
                replica.useRing(ring);
            }
            return CoordinatorEvent.newBuilder().setReady(WorkerReady.newBuilder()
                    .setRank(rank)
                    .setParameterCount(replica.parameterCount())
                    .setParameterChecksum(replica.checksum())
                    .setStartStep(replica.completedStep())
                    .setModelKind(replica.modelKind())
                    .setVocabSize(replica.vocabSize()))
                    .build();
        });
    }

    private RingAllReduce openRing(Admit admit, long parameterCount) {
        List<RingMember> members = new ArrayList<>();
        for (RingPeer peer : admit.getPeersList()) {
            members.add(new RingMember(peer.getRank(), peer.getChannel(), peer.getStreamId()));
        }
        RingSpec spec = new RingSpec(admit.getEpoch(), rank, admit.getWorldSize(), members);
        return RingAllReduce.create(runtime.aeron(), spec, runtime.collective(),
                Math.toIntExact(parameterCount));
    }

    private void onSaveCheckpoint(SaveCheckpoint save) {
        onDevice(save.getStep(), () -> {
            CheckpointSaved.Builder saved = CheckpointSaved.newBuilder().setRank(rank)
                    .setStep(save.getStep()).setPath(save.getPath());
            try {
                replica.save(Path.of(save.getPath()), save.getStep(), Map.of());
            } catch (RuntimeException e) {
                saved.setError(String.valueOf(e.getMessage()));
            }
            return CoordinatorEvent.newBuilder().setCheckpointSaved(saved).build();
        });
    }

    private void onDevice(long step, Supplier<CoordinatorEvent> work) {
        CompletableFuture<CoordinatorEvent> future = CompletableFuture.supplyAsync(work, device);
        getContext().pipeToSelf(future,
                (event, failure) -> new DeviceReplied(event, failure, step));
    }

    private Behavior<Command> onDeviceReplied(DeviceReplied replied) {
        if (replied.failure() == null) {
            tell(replied.event());
            return this;
        }
        Throwable cause = replied.failure().getCause() != null
                ? replied.failure().getCause() : replied.failure();
        getContext().getLog().error("Rank {} failed at step {}: {}", rank, replied.step(),
                cause.getMessage());
        tell(CoordinatorEvent.newBuilder().setStepFailed(StepFailed.newBuilder()
                .setRank(rank).setEpoch(epoch).setStep(replied.step())
                .setReason(String.valueOf(cause.getMessage())))
                .build());
        return this;
    }

    private void tell(CoordinatorEvent event) {
        if (coordinator != null) {
            coordinator.tell(new CoordinatorCommand.FromWorker(event, getContext().getSelf()));
        }
    }

    private Behavior<Command> onStop() {
        if (ring != null) {
            ring.abort("worker stopped");
        }
        device.submit(this::closeReplica);
        device.shutdown();
        return this;
    }

    private void closeReplica() {
        if (replica != null) {
            replica.close();
            replica = null;
        }
        if (ring != null) {
            ring.close();
            ring = null;
        }
    }

    /** The host-wide parts a worker needs: the Aeron client and the collective's settings. */
    public interface WorkerRuntime {
        io.aeron.Aeron aeron();

        CollectiveSettings collective();
    }
}
