package io.cohort.coordinator;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.monitor.StepRecord;
import io.cohort.coordinator.monitor.WorkerInfo;
import io.cohort.coordinator.monitor.WorkerStep;
import io.cohort.proto.Admit;
import io.cohort.proto.CheckpointSaved;
import io.cohort.proto.CoordinatorEvent;
import io.cohort.proto.Evaluate;
import io.cohort.proto.Evaluated;
import io.cohort.proto.GenerateSample;
import io.cohort.proto.RingPeer;
import io.cohort.proto.RunStep;
import io.cohort.proto.SaveCheckpoint;
import io.cohort.proto.Shutdown;
import io.cohort.proto.StepCompleted;
import io.cohort.proto.WorkerCommand;
import io.cohort.proto.WorkerHello;
import io.cohort.proto.WorkerReady;
import io.cohort.worker.CoordinatorCommand;
import io.cohort.worker.Worker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The coordinator admits workers, forms the ring, and drives synchronous steps: {@code RunStep}
 * to every worker, {@code StepCompleted} back from every worker, then the next step. Between
 * steps it schedules evaluation (split across the workers), samples and checkpoints (one
 * worker each). A worker that is lost ends the run with the last checkpoint intact.
 */
public final class Coordinator extends AbstractBehavior<CoordinatorCommand> {

    /** Stops the run after the step in flight, with a checkpoint. */
    public record Stop(String reason) implements CoordinatorCommand {
    }

    /** Holds the run after the step in flight until {@link Resume}. */
    public record Pause() implements CoordinatorCommand {
    }

    /** Continues a paused run. */
    public record Resume() implements CoordinatorCommand {
    }

    /** Writes a checkpoint after the step in flight. */
    public record CheckpointNow() implements CoordinatorCommand {
    }

    /** A worker's process or node is gone. */
    public record WorkerLost(String who, String reason) implements CoordinatorCommand {
    }

    private record MemberChanged(ClusterEvent.MemberEvent event) implements CoordinatorCommand {
    }

    private record Unreachable(ClusterEvent.UnreachableMember event)
            implements CoordinatorCommand {
    }

    private record TimedOut(String what, long generation) implements CoordinatorCommand {
    }

    private enum Phase { FORMING, ADMITTING, STEPPING, EVALUATING, SAMPLING, CHECKPOINTING,
        PAUSED, ENDED }

    private enum Chore { EVALUATE, SAMPLE, CHECKPOINT }

    private static final int STREAM_BASE = 1000;
    private static final String TIMER = "deadline";

    private final RunPlan plan;
    private final RunListener listener;
    private final CompletableFuture<RunOutcome> outcome;
    private final TimerScheduler<CoordinatorCommand> timers;
    private final List<Member> members = new ArrayList<>();
    private final Deque<Chore> chores = new ArrayDeque<>();
    private Phase phase = Phase.FORMING;
    private long epoch;
    private long step;
    private long generation;
    private int replies;
    private StepCompleted[] stepReplies;
    private double evalTrainSum;
    private double evalValSum;
    private int evalBatches;
    private long stepStartedNs;
    private boolean pauseRequested;
    private boolean checkpointRequested;
    private String stopReason;
    private Path lastCheckpoint;
    private long lastCheckpointStep = -1;
    private long parameterCount;
    private long firstChecksum;

    /** A worker of the ring, in rank order. */
    private static final class Member {
        final ActorRef<Worker.Command> ref;
        final WorkerHello hello;
        String state = "joined";
        long lastStep;

        Member(ActorRef<Worker.Command> ref, WorkerHello hello) {
            this.ref = ref;
            this.hello = hello;
        }
    }

    private Coordinator(ActorContext<CoordinatorCommand> context,
            TimerScheduler<CoordinatorCommand> timers, RunPlan plan, RunListener listener,
            CompletableFuture<RunOutcome> outcome) {
        super(context);
        this.plan = plan;
        this.listener = listener;
        this.outcome = outcome;
        this.timers = timers;
        this.step = plan.startStep();
        this.lastCheckpoint = plan.resumeCheckpoint();
        this.lastCheckpointStep = plan.resumeCheckpoint() == null ? -1 : plan.startStep();

        context.getSystem().receptionist()
                .tell(Receptionist.register(Worker.COORDINATOR_KEY, context.getSelf()));
        Cluster cluster = Cluster.get(context.getSystem());
        cluster.subscriptions().tell(Subscribe.create(
                context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new),
                ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(
                context.messageAdapter(ClusterEvent.UnreachableMember.class, Unreachable::new),
                ClusterEvent.UnreachableMember.class));
        arm("forming the cluster", plan.formationTimeout());
        listener.forming(plan.workers());
        context.getLog().info("Waiting for {} worker(s) to join", plan.workers());
    }

    /**
     * A coordinator for {@code plan}; completes {@code outcome} when the run ends.
     */
    public static Behavior<CoordinatorCommand> create(RunPlan plan, RunListener listener,
            CompletableFuture<RunOutcome> outcome) {
        return Behaviors.setup(context -> Behaviors.withTimers(
                timers -> new Coordinator(context, timers, plan, listener, outcome)));
    }

    @Override
    public Receive<CoordinatorCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(CoordinatorCommand.FromWorker.class, this::onWorkerEvent)
                .onMessage(WorkerLost.class, lost -> fail(lost.who() + " was lost at step "
                        + (step + 1) + ": " + lost.reason()))
                .onMessage(MemberChanged.class, this::onMemberChanged)
                .onMessage(Unreachable.class, this::onUnreachable)
                .onMessage(TimedOut.class, this::onTimedOut)
                .onMessage(Pause.class, p -> onPause())
                .onMessage(Resume.class, r -> onResume())
                .onMessage(CheckpointNow.class, c -> onCheckpointNow())
                .onMessage(Stop.class, this::onStop)
                .build();
    }

    // ---------------------------------------------------------------- forming

    private Behavior<CoordinatorCommand> onWorkerEvent(CoordinatorCommand.FromWorker message) {
        if (phase == Phase.ENDED) {
            return this;
        }
        CoordinatorEvent event = message.event();
        switch (event.getKindCase()) {
            case HELLO:
                return onHello(message.worker(), event.getHello());
            case READY:
                return onReady(event.getReady());
            case STEP_COMPLETED:
                return onStepCompleted(event.getStepCompleted());
            case STEP_FAILED:
                return fail("rank " + event.getStepFailed().getRank() + " failed at step "
                        + event.getStepFailed().getStep() + ": "
                        + event.getStepFailed().getReason());
            case EVALUATED:
                return onEvaluated(event.getEvaluated());
            case SAMPLE_GENERATED:
                return onSampled(event.getSampleGenerated().getStep(),
                        event.getSampleGenerated().getText());
            case CHECKPOINT_SAVED:
                return onCheckpointSaved(event.getCheckpointSaved());
            default:
                getContext().getLog().warn("Ignoring an unknown event [{}]", event.getKindCase());
                return this;
        }
    }

    private Behavior<CoordinatorCommand> onHello(ActorRef<Worker.Command> ref, WorkerHello hello) {
        if (phase != Phase.FORMING) {
            getContext().getLog().warn("Worker on [{}] joined after the ring formed; it waits",
                    hello.getHost());
            return this;
        }
        for (Member member : members) {
            if (member.ref.equals(ref)) {
                return this;
            }
        }
        members.add(new Member(ref, hello));
        getContext().getLog().info("Worker joined from [{}] ({} of {}), device [{}], {} thread(s)",
                hello.getHost(), members.size(), plan.workers(), hello.getDevice(),
                hello.getThreads());
        if (members.size() == plan.workers()) {
            admit();
        }
        return this;
    }

    private void admit() {
        phase = Phase.ADMITTING;
        epoch++;
        boolean oneHost = members.stream()
                .allMatch(m -> m.hello.getAeronDir().equals(members.get(0).hello.getAeronDir()));
        List<RingPeer> peers = new ArrayList<>();
        for (int rank = 0; rank < members.size(); rank++) {
            String channel = oneHost ? "aeron:ipc"
                    : "aeron:udp?endpoint=" + members.get(rank).hello.getUdpEndpoint();
            peers.add(RingPeer.newBuilder().setRank(rank).setChannel(channel)
                    .setStreamId(STREAM_BASE + (int) (epoch % 1000) * 64 + rank).build());
        }
        getContext().getLog().info("Ring formed: epoch {}, {} rank(s), all-reduce over {}",
                epoch, members.size(), oneHost ? "shared memory (Aeron IPC)" : "UDP");
        for (int rank = 0; rank < members.size(); rank++) {
            Admit.Builder admit = Admit.newBuilder()
                    .setRank(rank)
                    .setWorldSize(members.size())
                    .setEpoch(epoch)
                    .addAllPeers(peers)
                    .setSettings(plan.settingsText())
                    .setDataName(plan.dataName());
            if (plan.dataText() != null) {
                admit.setDataText(ByteString.copyFrom(plan.dataText()));
            } else {
                admit.setDataPath(plan.dataPath().toString());
            }
            if (plan.resumeCheckpoint() != null) {
                admit.setResumeCheckpoint(plan.resumeCheckpoint().toString());
            }
            members.get(rank).state = "loading";
            send(rank, WorkerCommand.newBuilder().setAdmit(admit).build());
            report(rank);
        }
        replies = 0;
        stepReplies = new StepCompleted[members.size()];
        arm("building the replicas", plan.stepTimeout().multipliedBy(2));
    }

    private Behavior<CoordinatorCommand> onReady(WorkerReady ready) {
        if (phase != Phase.ADMITTING) {
            return this;
        }
        if (replies == 0) {
            firstChecksum = ready.getParameterChecksum();
            parameterCount = ready.getParameterCount();
        } else if (ready.getParameterChecksum() != firstChecksum) {
            return fail("rank " + ready.getRank() + " starts from different parameters than"
                    + " rank 0; replicas must start identical");
        }
        members.get(ready.getRank()).state = "ready";
        report(ready.getRank());
        if (++replies == members.size()) {
            getContext().getLog().info("All {} replicas hold the same {} parameters; training"
                    + " from step {} to {}", members.size(), parameterCount, step + 1,
                    plan.settings().steps());
            listener.training(step, plan.settings().steps(), parameterCount);
            if (step >= plan.settings().steps()) {
                return finish();
            }
            runStep();
        }
        return this;
    }

    // ---------------------------------------------------------------- stepping

    private void runStep() {
        phase = Phase.STEPPING;
        replies = 0;
        long next = step + 1;
        int checkInterval = plan.settings().checkIntervalSteps();
        boolean checksum = checkInterval > 0 && next % checkInterval == 0;
        stepStartedNs = System.nanoTime();
        WorkerCommand command = WorkerCommand.newBuilder().setRunStep(RunStep.newBuilder()
                .setEpoch(epoch).setStep(next).setReportChecksum(checksum)).build();
        for (int rank = 0; rank < members.size(); rank++) {
            send(rank, command);
        }
        arm("step " + next, plan.stepTimeout());
    }

    private Behavior<CoordinatorCommand> onStepCompleted(StepCompleted done) {
        if (phase != Phase.STEPPING || done.getStep() != step + 1 || done.getEpoch() != epoch) {
            return this;
        }
        stepReplies[done.getRank()] = done;
        Member member = members.get(done.getRank());
        member.lastStep = done.getStep();
        member.state = "training";
        if (++replies < members.size()) {
            return this;
        }
        step = done.getStep();
        double stepMs = (System.nanoTime() - stepStartedNs) / 1e6;
        String mismatch = checksumMismatch();
        if (mismatch != null) {
            return fail(mismatch);
        }
        listener.stepCompleted(summarize(stepMs));
        for (int rank = 0; rank < members.size(); rank++) {
            report(rank);
        }
        planChores();
        return nextChore();
    }

    private String checksumMismatch() {
        if (!stepReplies[0].getHasChecksum()) {
            return null;
        }
        long expected = stepReplies[0].getParameterChecksum();
        for (StepCompleted reply : stepReplies) {
            if (reply.getParameterChecksum() != expected) {
                return "replicas diverged at step " + step + ": rank " + reply.getRank()
                        + " holds parameters with checksum "
                        + Long.toHexString(reply.getParameterChecksum()) + ", rank 0 "
                        + Long.toHexString(expected);
            }
        }
        return null;
    }

    /**
     * One record of a step. Its compute time is the slowest worker's; its all-reduce time is
     * the quickest worker's, since the others' include waiting for the slowest to finish its
     * compute: that is the ring's own cost.
     */
    private StepRecord summarize(double stepMs) {
        double loss = 0;
        long tokens = 0;
        double compute = 0;
        double reduce = Double.MAX_VALUE;
        List<WorkerStep> perWorker = new ArrayList<>();
        double bytes = parameterCount * 4.0;
        int n = stepReplies.length;
        for (StepCompleted reply : stepReplies) {
            loss += reply.getLoss();
            tokens += reply.getTokens();
            double c = reply.getComputeNs() / 1e6;
            double r = reply.getAllReduceNs() / 1e6;
            compute = Math.max(compute, c);
            reduce = Math.min(reduce, r);
            double busbw = n > 1 && r > 0 ? bytes / (r / 1e3) * 2.0 * (n - 1) / n / 1e9 : 0;
            perWorker.add(new WorkerStep(reply.getRank(), c, r,
                    reply.getTokens() / (stepMs / 1e3), busbw));
        }
        return new StepRecord(step, loss / n, tokens, tokens / (stepMs / 1e3), stepMs,
                compute, reduce, n, stepReplies[0].getLearningRate(), perWorker);
    }

    private void planChores() {
        var s = plan.settings();
        boolean last = step >= s.steps();
        if (last || (s.evalIntervalSteps() > 0 && step % s.evalIntervalSteps() == 0)) {
            chores.add(Chore.EVALUATE);
        }
        if (last || (s.sampleIntervalSteps() > 0 && step % s.sampleIntervalSteps() == 0)) {
            chores.add(Chore.SAMPLE);
        }
        boolean due = s.checkpointIntervalSteps() > 0 && step % s.checkpointIntervalSteps() == 0;
        if (last || due || checkpointRequested) {
            chores.add(Chore.CHECKPOINT);
            checkpointRequested = false;
        }
    }

    private Behavior<CoordinatorCommand> nextChore() {
        Chore chore = chores.poll();
        if (chore == null) {
            return afterStep();
        }
        switch (chore) {
            case EVALUATE:
                startEvaluation();
                break;
            case SAMPLE:
                phase = Phase.SAMPLING;
                send(0, WorkerCommand.newBuilder().setSample(GenerateSample.newBuilder()
                        .setStep(step).setTokens(plan.settings().sampleTokens())).build());
                arm("sampling at step " + step, plan.stepTimeout());
                break;
            default:
                phase = Phase.CHECKPOINTING;
                listener.checkpointing(step);
                send(0, WorkerCommand.newBuilder().setSaveCheckpoint(SaveCheckpoint.newBuilder()
                        .setStep(step).setPath(plan.checkpointFile(step).toString())).build());
                arm("the checkpoint at step " + step, plan.stepTimeout());
                break;
        }
        return this;
    }

    private Behavior<CoordinatorCommand> afterStep() {
        if (stopReason != null) {
            if (lastCheckpointStep != step) {
                chores.add(Chore.CHECKPOINT);
                return nextChore();
            }
            return end(RunOutcome.Status.STOPPED, "stopped at step " + step + ": " + stopReason);
        }
        if (step >= plan.settings().steps()) {
            return finish();
        }
        if (pauseRequested) {
            phase = Phase.PAUSED;
            timers.cancel(TIMER);
            listener.paused(true);
            getContext().getLog().info("Paused after step {}", step);
            return this;
        }
        runStep();
        return this;
    }

    // ---------------------------------------------------------------- chores

    private void startEvaluation() {
        phase = Phase.EVALUATING;
        listener.evaluating(step);
        replies = 0;
        evalTrainSum = 0;
        evalValSum = 0;
        evalBatches = 0;
        for (int rank = 0; rank < members.size(); rank++) {
            send(rank, WorkerCommand.newBuilder().setEvaluate(Evaluate.newBuilder()
                    .setStep(step).setOffset(rank).setStride(members.size())).build());
        }
        arm("the evaluation at step " + step, plan.stepTimeout());
    }

    private Behavior<CoordinatorCommand> onEvaluated(Evaluated evaluated) {
        if (phase != Phase.EVALUATING || evaluated.getStep() != step) {
            return this;
        }
        evalTrainSum += evaluated.getTrainLossSum();
        evalValSum += evaluated.getValLossSum();
        evalBatches += evaluated.getBatches();
        if (++replies < members.size()) {
            return this;
        }
        double train = evalTrainSum / evalBatches;
        double validation = evalValSum / evalBatches;
        getContext().getLog().info("Step {}: train loss {}, validation loss {}", step,
                String.format("%.4f", train), String.format("%.4f", validation));
        listener.evaluated(step, train, validation);
        return nextChore();
    }

    private Behavior<CoordinatorCommand> onSampled(long sampleStep, String text) {
        if (phase != Phase.SAMPLING || sampleStep != step) {
            return this;
        }
        listener.sampled(step, text);
        return nextChore();
    }

    private Behavior<CoordinatorCommand> onCheckpointSaved(CheckpointSaved saved) {
        if (phase != Phase.CHECKPOINTING || saved.getStep() != step) {
            return this;
        }
        if (!saved.getError().isEmpty()) {
            return fail("the checkpoint at step " + step + " could not be written: "
                    + saved.getError());
        }
        lastCheckpoint = Path.of(saved.getPath());
        lastCheckpointStep = step;
        getContext().getLog().info("Checkpoint written at step {}: {}", step, lastCheckpoint);
        listener.checkpointed(step, lastCheckpoint);
        return nextChore();
    }

    // ---------------------------------------------------------------- controls

    private Behavior<CoordinatorCommand> onPause() {
        if (phase == Phase.ENDED) {
            return this;
        }
        pauseRequested = true;
        return this;
    }

    private Behavior<CoordinatorCommand> onResume() {
        pauseRequested = false;
        if (phase == Phase.PAUSED) {
            listener.paused(false);
            getContext().getLog().info("Resumed at step {}", step + 1);
            runStep();
        }
        return this;
    }

    private Behavior<CoordinatorCommand> onCheckpointNow() {
        if (phase == Phase.PAUSED) {
            chores.add(Chore.CHECKPOINT);
            pauseRequested = true;
            return nextChore();
        }
        checkpointRequested = true;
        return this;
    }

    private Behavior<CoordinatorCommand> onStop(Stop stop) {
        if (phase == Phase.ENDED) {
            return this;
        }
        stopReason = stop.reason();
        getContext().getLog().info("Stopping after the step in flight: {}", stop.reason());
        if (phase == Phase.FORMING || phase == Phase.ADMITTING) {
            return end(RunOutcome.Status.STOPPED, "stopped before training: " + stop.reason());
        }
        if (phase == Phase.PAUSED) {
            return afterStep();
        }
        return this;
    }

    // ---------------------------------------------------------------- failures

    private Behavior<CoordinatorCommand> onMemberChanged(MemberChanged changed) {
        if (changed.event() instanceof ClusterEvent.MemberRemoved removed) {
            return onNodeLost(removed.member().address().toString(), "left the cluster");
        }
        return this;
    }

    private Behavior<CoordinatorCommand> onUnreachable(Unreachable unreachable) {
        return onNodeLost(unreachable.event().member().address().toString(),
                "became unreachable");
    }

    private Behavior<CoordinatorCommand> onNodeLost(String address, String how) {
        for (int rank = 0; rank < members.size(); rank++) {
            if (members.get(rank).ref.path().address().toString().equals(address)) {
                members.get(rank).state = "lost";
                report(rank);
                return fail("the worker of rank " + rank + " on [" + address + "] " + how
                        + " at step " + (step + 1));
            }
        }
        return this;
    }

    private Behavior<CoordinatorCommand> onTimedOut(TimedOut timedOut) {
        if (timedOut.generation() != generation || phase == Phase.ENDED) {
            return this;
        }
        if (phase == Phase.FORMING) {
            return fail("only " + members.size() + " of " + plan.workers()
                    + " workers joined within " + plan.formationTimeout().toSeconds()
                    + " s; check that the workers can reach the coordinator");
        }
        return fail(timedOut.what() + " did not finish within "
                + plan.stepTimeout().toSeconds() + " s");
    }

    private Behavior<CoordinatorCommand> fail(String reason) {
        if (phase == Phase.ENDED) {
            return this;
        }
        getContext().getLog().error("Run failed: {}", reason);
        String where = lastCheckpoint == null ? "no checkpoint was written"
                : "the last checkpoint (step " + lastCheckpointStep + ") is " + lastCheckpoint;
        return end(RunOutcome.Status.FAILED, reason + "; " + where);
    }

    private Behavior<CoordinatorCommand> finish() {
        return end(RunOutcome.Status.FINISHED, "finished " + step + " steps");
    }

    private Behavior<CoordinatorCommand> end(RunOutcome.Status status, String message) {
        phase = Phase.ENDED;
        timers.cancel(TIMER);
        WorkerCommand shutdown = WorkerCommand.newBuilder()
                .setShutdown(Shutdown.newBuilder().setReason(message)).build();
        for (int rank = 0; rank < members.size(); rank++) {
            send(rank, shutdown);
        }
        RunOutcome result = new RunOutcome(status, step, message, lastCheckpoint);
        listener.ended(result);
        outcome.complete(result);
        return this;
    }

    // ---------------------------------------------------------------- helpers

    private void send(int rank, WorkerCommand command) {
        members.get(rank).ref.tell(new Worker.FromCoordinator(command, getContext().getSelf()));
    }

    private void arm(String what, Duration timeout) {
        generation++;
        timers.startSingleTimer(TIMER, new TimedOut(what, generation), timeout);
    }

    private void report(int rank) {
        Member m = members.get(rank);
        listener.workerChanged(new WorkerInfo(rank, m.hello.getHost(), m.hello.getDevice(),
                m.state, m.lastStep, Instant.now()));
    }
}
