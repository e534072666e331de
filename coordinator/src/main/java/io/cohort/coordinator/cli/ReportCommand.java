package io.cohort.coordinator.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cohort report}: a run's summary, and its loss plot redrawn. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Summarize a run folder and redraw its loss.png.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RUN_DIR", description = "The run folder.")
    Path runDir;

    @Override
    public Integer call() throws Exception {
        return io.cohort.coordinator.report.RunReport.report(runDir, System.out);
    }
}
