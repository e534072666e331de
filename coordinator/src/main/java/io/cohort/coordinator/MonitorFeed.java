package io.cohort.coordinator;

import io.cohort.coordinator.monitor.RunInfo;
import io.cohort.coordinator.monitor.RunMonitor;
import io.cohort.coordinator.monitor.RunState;
import io.cohort.coordinator.monitor.StepRecord;
import io.cohort.coordinator.monitor.WorkerInfo;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** Feeds the dashboard's store from the coordinator's events. */
final class MonitorFeed implements RunListener {

    private final RunMonitor monitor;
    private final RunPlan plan;
    private final Map<String, String> settings;
    private final Instant startedAt = Instant.now();

    MonitorFeed(RunMonitor monitor, RunPlan plan, Map<String, String> settings) {
        this.monitor = monitor;
        this.plan = plan;
        this.settings = settings;
    }

    @Override
    public void forming(int workersExpected) {
        runStarted(0);
        monitor.stateChanged(RunState.FORMING);
    }

    @Override
    public void workerChanged(WorkerInfo worker) {
        monitor.workerUpdated(worker);
    }

    @Override
    public void training(long fromStep, long totalSteps, long parameterCount) {
        runStarted(parameterCount);
        monitor.stateChanged(RunState.TRAINING);
    }

    @Override
    public void stepCompleted(StepRecord step) {
        monitor.stepCompleted(step);
    }

    @Override
    public void evaluating(long step) {
        monitor.stateChanged(RunState.EVALUATING);
    }

    @Override
    public void evaluated(long step, double trainLoss, double validationLoss) {
        monitor.evaluated(step, trainLoss, validationLoss);
        monitor.stateChanged(RunState.TRAINING);
    }

    @Override
    public void sampled(long step, String text) {
        monitor.sampleGenerated(step, text);
    }

    @Override
    public void checkpointing(long step) {
        monitor.stateChanged(RunState.CHECKPOINTING);
    }

    @Override
    public void checkpointed(long step, Path file) {
        monitor.checkpointWritten(step, file);
        monitor.stateChanged(RunState.TRAINING);
    }

    @Override
    public void paused(boolean paused) {
        monitor.stateChanged(paused ? RunState.PAUSED : RunState.TRAINING);
    }

    @Override
    public void ended(RunOutcome outcome) {
        monitor.stateChanged(outcome.status() == RunOutcome.Status.FAILED
                ? RunState.FAILED : RunState.FINISHED, outcome.message());
    }

    private void runStarted(long parameterCount) {
        monitor.runStarted(new RunInfo(plan.runDir().getFileName().toString(),
                plan.settings().preset(), plan.settings().modelKind(), parameterCount,
                plan.dataName(), plan.settings().steps(), plan.workers(), plan.runDir(),
                startedAt, settings));
    }
}
