package io.cohort.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.cohort.coordinator.dashboard.Dashboard;
import io.cohort.coordinator.dashboard.DashboardAddress;
import io.cohort.coordinator.dashboard.RunToken;
import io.cohort.coordinator.monitor.MonitorLogAppender;
import io.cohort.coordinator.monitor.RunControl;
import io.cohort.coordinator.monitor.RunMonitor;
import io.cohort.coordinator.report.RunReport;
import io.cohort.worker.CoordinatorCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a prepared run on a coordinator node with everything a user watches: the progress
 * display, the run folder's records, the dashboard, and the summary at the end.
 */
public final class RunDriver {

    private static final Logger LOG = LoggerFactory.getLogger(RunDriver.class);

    private RunDriver() {
    }

    /**
     * Runs {@code prepared} to its end and returns how it ended.
     *
     * @param dashboardAt where the dashboard listens, or {@code null} for none
     */
    public static RunOutcome run(RunSetup.Prepared prepared, CoordinatorNode.Options node,
            DashboardAddress dashboardAt) throws IOException {
        RunPlan plan = prepared.plan();
        RunMonitor monitor = new RunMonitor();
        String token = RunToken.generate();
        writeToken(plan.runDir(), token);

        MonitorLogAppender appender = MonitorLogAppender.attach(monitor, "io.cohort");
        RunOutcome outcome;
        try (RunRecorder recorder = RunRecorder.open(plan.runDir(),
                prepared.config().getInt("cohort.coordinator.keep-checkpoints"))) {
            RunListener listeners = new RunListeners(List.of(ConsoleProgress.forStdout(),
                    recorder, new MonitorFeed(monitor, plan, flatten(prepared.config()))));
            LOG.info("Run folder: {}", plan.runDir());
            outcome = CoordinatorNode.run(plan, prepared.config(), node, listeners, started -> {
                if (dashboardAt != null) {
                    Dashboard d = Dashboard.start(started.system(), dashboardAt.host(),
                            dashboardAt.port(), monitor, controls(started.coordinator()), token);
                    started.closeAtEnd(d);
                    LOG.info("Dashboard: {}  (control token in {})", d.uri(),
                            plan.runDir().resolve("token"));
                }
            });
        } finally {
            appender.detach();
        }
        if (outcome.status() == RunOutcome.Status.FAILED) {
            drawPlot(plan.runDir());
            System.err.println("cohort: run failed: " + outcome.message());
            return outcome;
        }
        LOG.info("Run {}: {}", outcome.status().name().toLowerCase(), outcome.message());
        RunReport.report(plan.runDir(), System.out);
        return outcome;
    }

    private static void drawPlot(Path runDir) {
        try {
            RunReport.drawLossPlot(runDir);
        } catch (RuntimeException e) {
            LOG.warn("Could not draw {}: {}", runDir.resolve("loss.png"), e.getMessage());
        }
    }

    /** The dashboard's controls, as messages to the coordinator. */
    private static RunControl controls(ActorRef<CoordinatorCommand> coordinator) {
        return new RunControl() {
            @Override
            public void pause() {
                coordinator.tell(new Coordinator.Pause());
            }

            @Override
            public void resume() {
                coordinator.tell(new Coordinator.Resume());
            }

            @Override
            public void checkpointNow() {
                coordinator.tell(new Coordinator.CheckpointNow());
            }

            @Override
            public void stop() {
                coordinator.tell(new Coordinator.Stop("stopped from the dashboard"));
            }
        };
    }

    private static void writeToken(Path runDir, String token) throws IOException {
        Path file = runDir.resolve("token");
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(file,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            LOG.debug("No POSIX permissions here; the token file keeps its defaults");
        }
    }

    private static Map<String, String> flatten(Config config) {
        Map<String, String> settings = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : config.getConfig("cohort").entrySet()) {
            settings.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return settings;
    }
}
