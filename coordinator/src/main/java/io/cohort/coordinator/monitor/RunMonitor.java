package io.cohort.coordinator.monitor;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The live state of one training run, kept in memory for the dashboard, its JSON API and the
 * Prometheus endpoint.
 *
 * <p>The coordinator reports into it from its own thread; readers on other threads take
 * consistent snapshots. Every report tells the subscribers which part of the run changed, after
 * the change is visible to readers. Subscribers run on the reporting thread and must return at
 * once.
 */
public final class RunMonitor {

    /** The parts of a run a subscriber is told have changed. */
    public enum Change {
        /** Run info, state or step. */
        RUN,
        /** Per-step or evaluation metrics. */
        METRICS,
        /** The workers. */
        WORKERS,
        /** A new text sample. */
        SAMPLE,
        /** A new checkpoint. */
        CHECKPOINTS,
        /** New log lines. */
        LOG
    }

    /** How many log lines are kept; older ones are dropped. */
    public static final int LOG_CAPACITY = 1000;

    private final Object lock = new Object();
    private final Clock clock;
    private final List<Consumer<Set<Change>>> subscribers = new CopyOnWriteArrayList<>();

    private RunInfo info;
    private RunState state = RunState.FORMING;
    private String detail;
    private Instant endedAt;
    private final StepHistory steps = new StepHistory();
    private StepRecord latest;
    private long totalTokens;
    private Instant firstStepAt;
    private long firstStep;
    private final List<EvalPoint> evals = new ArrayList<>();
    private final Map<Integer, WorkerInfo> workers = new TreeMap<>();
    private final Map<Integer, WorkerStep> workerSteps = new HashMap<>();
    private Sample sample;
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private final ArrayDeque<LogLine> logs = new ArrayDeque<>();
    private long logSequence;

    /** A monitor on the system clock. */
    public RunMonitor() {
        this(Clock.systemUTC());
    }

    /** A monitor that reads time from {@code clock}. */
    public RunMonitor(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Records what the run is; the run is then forming. */
    public void runStarted(RunInfo runInfo) {
        Objects.requireNonNull(runInfo, "runInfo");
        synchronized (lock) {
            info = runInfo;
            state = RunState.FORMING;
            detail = null;
            endedAt = null;
        }
        publish(EnumSet.of(Change.RUN));
    }

    /** Records a new state. */
    public void stateChanged(RunState newState) {
        stateChanged(newState, null);
    }

    /** Records a new state with a detail, such as why the run failed. */
    public void stateChanged(RunState newState, String newDetail) {
        Objects.requireNonNull(newState, "newState");
        synchronized (lock) {
            state = newState;
            detail = newDetail;
            endedAt = newState.isTerminal() ? clock.instant() : null;
        }
        publish(EnumSet.of(Change.RUN));
    }

    /** Records a completed step and each worker's share of it. */
    public void stepCompleted(StepRecord r) {
        Objects.requireNonNull(r, "r");
        synchronized (lock) {
            if (firstStepAt == null || r.step() <= firstStep) {
                firstStepAt = clock.instant();
                firstStep = r.step();
            }
            steps.add(r);
            latest = r;
            totalTokens += r.tokens();
            for (WorkerStep w : r.perWorker()) {
                workerSteps.put(w.rank(), w);
            }
        }
        publish(EnumSet.of(Change.METRICS, Change.RUN, Change.WORKERS));
    }

    /** Records an evaluation. */
    public void evaluated(long step, double trainLoss, double validationLoss) {
        synchronized (lock) {
            evals.removeIf(e -> e.step() >= step);
            evals.add(new EvalPoint(step, trainLoss, validationLoss));
        }
        publish(EnumSet.of(Change.METRICS));
    }

    /** Records what is known of a worker, replacing what was known of its rank. */
    public void workerUpdated(WorkerInfo w) {
        Objects.requireNonNull(w, "w");
        synchronized (lock) {
            workers.put(w.rank(), w);
        }
        publish(EnumSet.of(Change.WORKERS));
    }

    /** Forgets a worker, as when a new ring is formed without it. */
    public void workerRemoved(int rank) {
        synchronized (lock) {
            workers.remove(rank);
            workerSteps.remove(rank);
        }
        publish(EnumSet.of(Change.WORKERS));
    }

    /** Records a text sample; the latest one is kept. */
    public void sampleGenerated(long step, String text) {
        synchronized (lock) {
            sample = new Sample(step, Objects.requireNonNull(text, "text"), clock.instant());
        }
        publish(EnumSet.of(Change.SAMPLE));
    }

    /** Records a checkpoint written. */
    public void checkpointWritten(long step, Path path) {
        synchronized (lock) {
            checkpoints.add(new Checkpoint(step, path, clock.instant()));
        }
        publish(EnumSet.of(Change.CHECKPOINTS));
    }

    /** Records a log line; the latest {@link #LOG_CAPACITY} are kept. */
    public void log(Instant time, String level, String logger, String message) {
        synchronized (lock) {
            if (logs.size() == LOG_CAPACITY) {
                logs.removeFirst();
            }
            logSequence++;
            logs.addLast(new LogLine(logSequence, time, level, logger, message));
        }
        publish(EnumSet.of(Change.LOG));
    }

    /**
     * Tells {@code subscriber} of every change from now on, until the returned handle is
     * closed.
     */
    public AutoCloseable subscribe(Consumer<Set<Change>> subscriber) {
        subscribers.add(Objects.requireNonNull(subscriber, "subscriber"));
        return () -> subscribers.remove(subscriber);
    }

    /** How many subscribers are being told of changes; open dashboard pages hold one each. */
    public int subscriberCount() {
        return subscribers.size();
    }

    /** The run as a whole now. */
    public RunSnapshot run() {
        synchronized (lock) {
            Instant now = clock.instant();
            return new RunSnapshot(info, state, detail, steps.lastStep(), latest, elapsed(now),
                    eta(now), totalTokens, steps.computeMsTotal(), steps.allReduceMsTotal(),
                    lastEval(), sample, List.copyOf(checkpoints));
        }
    }

    /** The workers, by rank. */
    public List<WorkerView> workers() {
        synchronized (lock) {
            List<WorkerView> views = new ArrayList<>(workers.size());
            for (WorkerInfo w : workers.values()) {
                views.add(new WorkerView(w, workerSteps.get(w.rank())));
            }
            return views;
        }
    }

    /**
     * The steps after {@code since}, downsampled to at most {@code maxPoints}, and every
     * evaluation after {@code since}.
     */
    public MetricsWindow metrics(long since, int maxPoints) {
        synchronized (lock) {
            List<EvalPoint> newer = new ArrayList<>();
            for (EvalPoint e : evals) {
                if (e.step() > since) {
                    newer.add(e);
                }
            }
            return steps.window(since, maxPoints, newer);
        }
    }

    /** The log lines whose sequence number is above {@code afterSequence}, oldest first. */
    public List<LogLine> logs(long afterSequence) {
        synchronized (lock) {
            List<LogLine> newer = new ArrayList<>();
            for (LogLine line : logs) {
                if (line.sequence() > afterSequence) {
                    newer.add(line);
                }
            }
            return newer;
        }
    }

    /** The time now on this monitor's clock. */
    public Instant now() {
        return clock.instant();
    }

    private EvalPoint lastEval() {
        return evals.isEmpty() ? null : evals.get(evals.size() - 1);
    }

    private Duration elapsed(Instant now) {
        if (info == null) {
            return Duration.ZERO;
        }
        Instant end = endedAt != null ? endedAt : now;
        return Duration.between(info.startedAt(), end);
    }

    private Duration eta(Instant now) {
        long done = steps.lastStep() - firstStep;
        if (info == null || state.isTerminal() || firstStepAt == null || done <= 0) {
            return null;
        }
        long remaining = Math.max(0, info.totalSteps() - steps.lastStep());
        double msPerStep = Duration.between(firstStepAt, now).toMillis() / (double) done;
        return Duration.ofMillis(Math.round(msPerStep * remaining));
    }

    private void publish(Set<Change> changes) {
        for (Consumer<Set<Change>> subscriber : subscribers) {
            try {
                subscriber.accept(changes);
            } catch (RuntimeException e) {
                // A reader's failure must never reach the coordinator; that reader is dropped.
                subscribers.remove(subscriber);
            }
        }
    }
}
