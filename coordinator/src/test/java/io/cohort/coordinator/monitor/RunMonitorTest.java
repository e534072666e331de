package io.cohort.coordinator.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RunMonitorTest {

    private static final int STEPS = 100_000;
    private static final int EVAL_EVERY = 100;

    @Test
    void shouldKeepAtMostMaxPointsWithFirstLastAndAllEvalsWhenRunHas100000Steps() {
        RunMonitor monitor = new RunMonitor();
        for (long s = 1; s <= STEPS; s++) {
            monitor.stepCompleted(step(s, s));
            if (s % EVAL_EVERY == 0) {
                monitor.evaluated(s, s - 0.5, s + 0.5);
            }
        }

        MetricsWindow window = monitor.metrics(-1, 2000);

        assertTrue(window.size() <= 2000, "points " + window.size());
        assertEquals(STEPS, window.matchedPoints());
        assertEquals(1, window.step()[0]);
        assertEquals(STEPS, window.step()[window.size() - 1]);
        assertEquals(STEPS / EVAL_EVERY, window.evals().size());
        assertEquals(EVAL_EVERY, window.evals().get(0).step());
        for (int i = 1; i < window.size(); i++) {
            long from = window.step()[i - 1] + 1;
            long to = window.step()[i];
            assertTrue(to >= from, "steps must rise: " + window.step()[i - 1] + ", " + to);
            // The loss of step s is s, so a bucket's mean is the middle of its steps.
            assertEquals((from + to) / 2.0, window.loss()[i], 1e-6);
        }
    }

    @Test
    void shouldReturnEveryStepAfterSinceWhenFewerThanMaxPoints() {
        RunMonitor monitor = new RunMonitor();
        for (long s = 1; s <= 50; s++) {
            monitor.stepCompleted(step(s, 10.0 / s));
        }

        MetricsWindow window = monitor.metrics(40, 2000);

        assertEquals(10, window.size());
        assertEquals(41, window.step()[0]);
        assertEquals(10.0 / 41, window.loss()[0], 1e-12);
        assertEquals(0, monitor.metrics(50, 2000).size());
    }

    @Test
    void shouldDropLaterStepsWhenRunGoesBackToACheckpoint() {
        RunMonitor monitor = new RunMonitor();
        for (long s = 1; s <= 30; s++) {
            monitor.stepCompleted(step(s, 1.0));
        }

        monitor.stepCompleted(step(21, 2.0));

        MetricsWindow window = monitor.metrics(-1, 2000);
        assertEquals(21, window.size());
        assertEquals(21, window.step()[20]);
        assertEquals(2.0, window.loss()[20], 1e-12);
        assertEquals(21 * 10.0, monitor.run().computeMsTotal(), 1e-9);
    }

    @Test
    void shouldReportElapsedAndEtaAndStopTheClockWhenRunEnds() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-03T17:00:00Z"));
        RunMonitor monitor = new RunMonitor(clock);
        monitor.runStarted(new RunInfo("r", "tiny", "gpt", 10, "data", 100, 1, Path.of("r"),
                clock.instant(), Map.of()));
        monitor.stateChanged(RunState.TRAINING);
        monitor.stepCompleted(step(1, 1.0));
        clock.advance(Duration.ofSeconds(10));
        monitor.stepCompleted(step(11, 1.0));

        RunSnapshot running = monitor.run();
        monitor.stateChanged(RunState.FINISHED);
        clock.advance(Duration.ofSeconds(60));
        RunSnapshot finished = monitor.run();

        assertEquals(Duration.ofSeconds(10), running.elapsed());
        // 10 steps took 10 s, so the 89 steps left take 89 s.
        assertEquals(Duration.ofSeconds(89), running.eta());
        assertEquals(Duration.ofSeconds(10), finished.elapsed());
        assertNull(finished.eta());
    }

    @Test
    void shouldTellSubscribersWhatChangedUntilTheyUnsubscribe() throws Exception {
        RunMonitor monitor = new RunMonitor();
        List<Set<RunMonitor.Change>> seen = new ArrayList<>();
        AutoCloseable subscription = monitor.subscribe(seen::add);

        monitor.sampleGenerated(5, "text");
        monitor.log(Instant.now(), "INFO", "test", "hello");
        subscription.close();
        monitor.checkpointWritten(5, Path.of("c"));

        assertEquals(List.of(EnumSet.of(RunMonitor.Change.SAMPLE),
                EnumSet.of(RunMonitor.Change.LOG)), seen);
    }

    @Test
    void shouldKeepOnlyTheNewestLogLinesWhenMoreThanCapacity() {
        RunMonitor monitor = new RunMonitor();
        for (int i = 1; i <= RunMonitor.LOG_CAPACITY + 10; i++) {
            monitor.log(Instant.now(), "INFO", "test", "line " + i);
        }

        List<LogLine> all = monitor.logs(0);
        List<LogLine> newest = monitor.logs(RunMonitor.LOG_CAPACITY + 8);

        assertEquals(RunMonitor.LOG_CAPACITY, all.size());
        assertEquals("line 11", all.get(0).message());
        assertEquals(List.of("line " + (RunMonitor.LOG_CAPACITY + 9),
                "line " + (RunMonitor.LOG_CAPACITY + 10)),
                newest.stream().map(LogLine::message).toList());
    }

    private static StepRecord step(long step, double loss) {
        return new StepRecord(step, loss, 100, 1000.0, 12.0, 10.0, 1.5, 1, 1e-3, List.of());
    }

    /** A clock that moves only when told. */
    private static final class MutableClock extends Clock {

        private Instant now;

        MutableClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
