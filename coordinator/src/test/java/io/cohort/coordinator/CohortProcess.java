package io.cohort.coordinator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code cohort} command run as a real process from the test classpath, its output
 * captured in a file.
 */
final class CohortProcess implements AutoCloseable {

    private final Process process;
    private final Path output;

    private CohortProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts {@code cohort ARGS...}, writing its output to {@code output}. */
    static CohortProcess start(Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-Xmx512m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "io.cohort.coordinator.cli.CohortCli"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("OMP_NUM_THREADS", "1");
        return new CohortProcess(builder.start(), output);
    }

    /** Runs {@code cohort ARGS...} to its end; fails if it outlasts {@code seconds}. */
    static Result run(Path workDir, long seconds, String... args) throws Exception {
        Path output = Files.createTempFile(workDir, "cohort-", ".out");
        try (CohortProcess cohort = start(output, args)) {
            return cohort.await(seconds);
        }
    }

    /** Waits for the end; fails if it outlasts {@code seconds}. */
    Result await(long seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("cohort did not end within " + seconds + " s; output:\n"
                    + output());
        }
        return new Result(process.exitValue(), output());
    }

    Process process() {
        return process;
    }

    String output() throws IOException {
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** How a run of the command ended. */
    record Result(int exitCode, String output) {

        /** The output's lines that Cohort wrote as errors. */
        List<String> errorLines() {
            return output.lines().filter(l -> l.startsWith("cohort: ")).toList();
        }
    }
}
