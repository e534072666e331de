package io.cohort.coordinator.cli;

import io.cohort.coordinator.RunSetup;
import io.cohort.coordinator.dashboard.DashboardAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that define a run, shared by {@code train} and {@code coordinator}. */
public final class RunOptions {

    @Option(names = "--preset", paramLabel = "NAME",
            description = "Model and batch preset: tiny, small (default) or course.")
    String preset;

    @Option(names = "--model", paramLabel = "KIND", description = "gpt (default) or bigram.")
    String model;

    @Option(names = "--data", paramLabel = "PATH",
            description = "A UTF-8 text file or a folder of them (default: Cohort's own"
                    + " sources, embedded in the jar).")
    Path data;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps in all.")
    Long steps;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the run.")
    Long seed;

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "The run folder (default: runs/<time>-<preset>).")
    Path runDir;

    @Option(names = "--resume", paramLabel = "RUN_DIR",
            description = "Continue the run in RUN_DIR from its last checkpoint.")
    Path resume;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a setting, such as train.eval-interval-steps=50.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--dashboard", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            description = "Where the dashboard listens (default ${DEFAULT-VALUE}).")
    String dashboard;

    @Option(names = "--no-dashboard", description = "Serve no dashboard.")
    boolean noDashboard;

    /** What these options ask for, for a run of {@code workers} workers. */
    RunSetup.Request request(int workers) {
        return new RunSetup.Request(preset, model, data, steps, seed, runDir, resume, overrides,
                workers);
    }

    /** Where the dashboard listens, or {@code null} with {@code --no-dashboard}. */
    DashboardAddress dashboardAddress() {
        return noDashboard ? null : DashboardAddress.parse(dashboard);
    }
}
