package io.cohort.coordinator;

import io.cohort.coordinator.monitor.StepRecord;
import io.cohort.coordinator.monitor.WorkerInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tells several listeners, in order; one that throws is logged and does not stop the run. */
final class RunListeners implements RunListener {

    private static final Logger LOG = LoggerFactory.getLogger(RunListeners.class);

    private final List<RunListener> listeners;

    RunListeners(List<RunListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    private void each(Consumer<RunListener> call) {
        for (RunListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("A run listener ({}) failed: {}", listener.getClass().getSimpleName(),
                        e.toString());
            }
        }
    }

    @Override
    public void forming(int workersExpected) {
        each(l -> l.forming(workersExpected));
    }

    @Override
    public void workerChanged(WorkerInfo worker) {
        each(l -> l.workerChanged(worker));
    }

    @Override
    public void training(long fromStep, long totalSteps, long parameterCount) {
        each(l -> l.training(fromStep, totalSteps, parameterCount));
    }

    @Override
    public void stepCompleted(StepRecord step) {
        each(l -> l.stepCompleted(step));
    }

    @Override
    public void evaluating(long step) {
        each(l -> l.evaluating(step));
    }

    @Override
    public void evaluated(long step, double trainLoss, double validationLoss) {
        each(l -> l.evaluated(step, trainLoss, validationLoss));
    }

    @Override
    public void sampled(long step, String text) {
        each(l -> l.sampled(step, text));
    }

    @Override
    public void checkpointing(long step) {
        each(l -> l.checkpointing(step));
    }

    @Override
    public void checkpointed(long step, Path file) {
        each(l -> l.checkpointed(step, file));
    }

    @Override
    public void paused(boolean paused) {
        each(l -> l.paused(paused));
    }

    @Override
    public void ended(RunOutcome outcome) {
        each(l -> l.ended(outcome));
    }
}
