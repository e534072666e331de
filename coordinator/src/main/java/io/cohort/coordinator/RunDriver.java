package io.cohort.coordinator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a prepared run on a coordinator node with everything a user watches: the progress
 * display, the metrics log, the dashboard, and the summary at the end.
 */
public final class RunDriver {

    private static final Logger LOG = LoggerFactory.getLogger(RunDriver.class);

    private RunDriver() {
    }

    /**
     * Runs {@code prepared} to its end and returns how it ended.
     *
     * @param dashboardHost where the dashboard listens, or {@code null} for none
     */
    public static RunOutcome run(RunSetup.Prepared prepared, CoordinatorNode.Options node,
            String dashboardHost, int dashboardPort) throws IOException {
        RunPlan plan = prepared.plan();
        List<RunListener> listeners = new ArrayList<>();
        listeners.add(ConsoleProgress.forStdout());
        RunListeners all = new RunListeners(listeners);

        LOG.info("Run folder: {}", plan.runDir());
        RunOutcome outcome = CoordinatorNode.run(plan, prepared.config(), node, all,
                started -> { });
        if (outcome.status() == RunOutcome.Status.FAILED) {
            System.err.println("cohort: run failed: " + outcome.message());
        } else {
            LOG.info("Run {}: {}. Folder: {}", outcome.status().name().toLowerCase(),
                    outcome.message(), plan.runDir());
        }
        return outcome;
    }
}
