package io.cohort.coordinator.cli;

import io.cohort.coordinator.dashboard.DashboardException;
import io.cohort.model.CheckpointException;
import io.cohort.model.CorpusException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cohort} command: one jar runs every role.
 */
@Command(name = "cohort", mixinStandardHelpOptions = true, version = "cohort 0.1.0",
        description = "Trains GPT-style character language models across many workers.",
        subcommands = {
            TrainCommand.class,
            CoordinatorNodeCommand.class,
            WorkerNodeCommand.class,
            GenerateCommand.class,
            BenchCommand.class,
            ReportCommand.class,
            CommandLine.HelpCommand.class
        })
public final class CohortCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this). */
    public static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new CohortCli());
        commandLine.setExecutionExceptionHandler(CohortCli::onFailure);
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Bad input and failed runs end with one line naming the problem, not a stack trace.
     * Programming errors keep their trace.
     */
    private static int onFailure(Exception e, CommandLine commandLine,
            CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof UserError || isUserFacing(e)) {
            err.println("cohort: " + e.getMessage());
            err.flush();
            return 2;
        }
        err.println("cohort: internal error: " + e);
        e.printStackTrace(err);
        err.flush();
        return 70;
    }

    private static boolean isUserFacing(Exception e) {
        return e instanceof CorpusException || e instanceof CheckpointException
                || e instanceof DashboardException;
    }

    /** A mistake of the user's, reported as one line. */
    public static final class UserError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UserError(String message) {
            super(message);
        }
    }
}
