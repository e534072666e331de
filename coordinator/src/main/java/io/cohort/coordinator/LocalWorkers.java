package io.cohort.coordinator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Worker processes on this machine, started by {@code cohort train}: one JVM per worker (one
 * replica per JVM), each with its share of the cores, all using this host's media driver.
 * Their output goes to {@code logs/worker-N.log} in the run folder. They end with the run,
 * and also on their own if this process dies.
 */
public final class LocalWorkers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalWorkers.class);
    private static final String MAIN = "io.cohort.coordinator.cli.CohortCli";

    private final List<Process> processes = new ArrayList<>();
    private volatile boolean closing;

    private LocalWorkers() {
    }

    /**
     * Starts {@code count} workers that join the coordinator at {@code host:port}.
     *
     * @param onExit told (index, exit code) when a worker ends before {@link #close()}
     */
    public static LocalWorkers start(int count, int threadsEach, String host, int port,
            Path aeronDir, Path logDir, String heap, BiConsumer<Integer, Integer> onExit)
            throws IOException {
        Files.createDirectories(logDir);
        LocalWorkers workers = new LocalWorkers();
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        long self = ProcessHandle.current().pid();
        for (int i = 0; i < count; i++) {
            ProcessBuilder builder = new ProcessBuilder(java,
                    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                    "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                    "-Xmx" + heap, "-XX:+UseSerialGC",
                    "-cp", classPath, MAIN, "worker",
                    "--join", host + ":" + port,
                    "--bind", host,
                    "--aeron-dir", aeronDir.toString(),
                    "--threads", Integer.toString(threadsEach),
                    "--parent-pid", Long.toString(self));
            builder.environment().put("OMP_NUM_THREADS", Integer.toString(threadsEach));
            builder.environment().put("COHORT_WORKER_INDEX", Integer.toString(i));
            Path log = logDir.resolve("worker-" + i + ".log");
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
            Process process = builder.start();
            workers.processes.add(process);
            int index = i;
            process.onExit().thenAccept(p -> {
                if (!workers.closing) {
                    onExit.accept(index, p.exitValue());
                }
            });
            LOG.debug("Started worker {} as process {} (log {})", i, process.pid(), log);
        }
        return workers;
    }

    /** The process ids of the workers, in start order. */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (Process process : processes) {
            pids.add(process.pid());
        }
        return pids;
    }

    /** Waits up to {@code seconds} for the workers to end by themselves, then ends them. */
    public void awaitExit(long seconds) {
        closing = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Process process : processes) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    process.destroy();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroy();
            }
        }
        close();
    }

    @Override
    public void close() {
        closing = true;
        for (Process process : processes) {
            if (process.isAlive()) {
                process.destroy();
            }
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
