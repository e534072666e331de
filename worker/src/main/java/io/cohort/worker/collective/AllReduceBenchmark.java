package io.cohort.worker.collective;

import com.typesafe.config.ConfigFactory;
import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Measures the ring all-reduce the way nccl-tests does: the ranks run as separate JVM processes
 * on this host around one media driver, and each buffer size gives one JSON line with the time
 * of one all-reduce (the slowest rank's median), the algorithm bandwidth (bytes / time) and
 * the bus bandwidth (algbw * 2(N-1)/N). {@code rank_cpu_ms} is the CPU time one rank process
 * spends per all-reduce (mean over ranks), which bounds the speed on a machine whose cores are
 * busy with other work; {@code best_ms} is the fastest iteration (of the slowest rank), a hint
 * of what an idle machine gives.
 *
 * <pre>
 * cohort bench allreduce --ranks 2 --mib 16 64 [--transport ipc|udp] [--wire fp32|bf16]
 *                        [--warmup 3] [--iterations 10] [--verify] [--aeron-dir DIR]
 * </pre>
 */
public final class AllReduceBenchmark {
    private static final String EXPORTS = "java.base/jdk.internal.misc=ALL-UNNAMED";
    private static final long RANK_TIMEOUT_MINUTES = 10;
    private static final int BASE_STREAM_ID = 1000;
    private static final long EPOCH = 1;

    private AllReduceBenchmark() {
    }

    /**
     * What to measure.
     *
     * @param ranks      how many rank processes, at least 2.
     * @param mib        buffer sizes in MiB of float32 values.
     * @param transport  {@code ipc} or {@code udp} (over 127.0.0.1).
     * @param wire       the wire format.
     * @param warmup     all-reduces per size before measuring.
     * @param iterations measured all-reduces per size.
     * @param verify     whether every rank checks every sum.
     * @param aeronDir   the media driver's directory, or null for one under /dev/shm.
     */
    public record Options(
        int ranks,
        List<Double> mib,
        String transport,
        WireFormat wire,
        int warmup,
        int iterations,
        boolean verify,
        Path aeronDir) {

        /**
         * Checks the options.
         *
         * @throws IllegalArgumentException naming the bad option.
         */
        public Options {
            if (ranks < 2 || ranks > 64) {
                throw new IllegalArgumentException("--ranks " + ranks + " must be in 2..64");
            }
            mib = List.copyOf(mib);
            if (mib.isEmpty()) {
                throw new IllegalArgumentException("--mib needs at least one size");
            }
            for (final double size : mib) {
                if (!(size > 0 && size <= 1024)) {
                    throw new IllegalArgumentException("--mib " + size + " must be in (0, 1024]");
                }
            }
            if (!"ipc".equals(transport) && !"udp".equals(transport)) {
                throw new IllegalArgumentException(
                    "--transport " + transport + " must be ipc or udp");
            }
            if (warmup < 0 || iterations < 1) {
                throw new IllegalArgumentException("--warmup " + warmup + " must be >= 0 and "
                    + "--iterations " + iterations + " >= 1");
            }
        }

        /**
         * Reads the options from command-line arguments.
         *
         * @param args e.g. {@code --ranks 2 --mib 16 64 --transport ipc}.
         * @return the options.
         * @throws IllegalArgumentException naming an unknown or bad argument.
         */
        public static Options parse(final String[] args) {
            int ranks = 2;
            final List<Double> mib = new ArrayList<>();
            String transport = "ipc";
            WireFormat wire = WireFormat.FP32;
            int warmup = 3;
            int iterations = 10;
            boolean verify = false;
            Path aeronDir = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--ranks" -> ranks = Integer.parseInt(value(args, ++i));
                    case "--mib" -> {
                        mib.add(Double.parseDouble(value(args, ++i)));
                        while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                            mib.add(Double.parseDouble(args[++i]));
                        }
                    }
                    case "--transport" -> transport = value(args, ++i);
                    case "--wire" -> wire = WireFormat.parse(value(args, ++i));
                    case "--warmup" -> warmup = Integer.parseInt(value(args, ++i));
                    case "--iterations" -> iterations = Integer.parseInt(value(args, ++i));
                    case "--verify" -> verify = true;
                    case "--aeron-dir" -> aeronDir = Path.of(value(args, ++i));
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "'; use --ranks --mib --transport --wire --warmup --iterations "
                        + "--verify --aeron-dir");
                }
            }
            return new Options(ranks, mib, transport, wire, warmup, iterations, verify,
                aeronDir);
        }

        private static String value(final String[] args, final int index) {
            if (index >= args.length) {
                throw new IllegalArgumentException(
                    "argument " + args[index - 1] + " needs a value");
            }
            return args[index];
        }
    }

    /**
     * Runs the benchmark from the command line and exits with {@link #run(String[],
     * PrintStream)}'s status.
     *
     * @param args see {@link Options#parse}.
     */
    public static void main(final String[] args) {
        System.exit(run(args, System.out));
    }

    /**
     * Runs the benchmark from command-line arguments.
     *
     * @param args see {@link Options#parse}.
     * @param out  where the JSON lines go.
     * @return 0 on success, 1 when a rank failed, 2 on bad arguments.
     */
    public static int run(final String[] args, final PrintStream out) {
        final Options options;
        try {
            options = Options.parse(args);
        } catch (final IllegalArgumentException e) {
            out.println("cohort bench allreduce: " + e.getMessage());
            return 2;
        }
        return run(options, out);
    }

    /**
     * Runs the benchmark: launches one media driver, one process per rank, and prints one JSON
     * line per size.
     *
     * @param options what to measure.
     * @param out     where the JSON lines go.
     * @return 0 on success, 1 when a rank failed.
     */
    public static int run(final Options options, final PrintStream out) {
        final CollectiveSettings settings = CollectiveSettings.from(ConfigFactory.load())
            .withWireFormat(options.wire());
        final Path aeronDir = options.aeronDir() != null ? options.aeronDir() : defaultDir();
        try (MediaDriver driver = MediaDrivers.launch(aeronDir, settings)) {
            final long[] counts = counts(options.mib());
            final List<String> endpoints = endpoints(options);
            final long[][] medians = runRanks(options, driver.aeronDirectoryName(), counts,
                endpoints);
            if (medians == null) {
                out.println("cohort bench allreduce: a rank failed; see its output above");
                return 1;
            }
            for (int s = 0; s < counts.length; s++) {
                out.println(json(options, options.mib().get(s), counts[s], slowest(medians, s),
                    mean(medians, counts.length + s), slowest(medians, 2 * counts.length + s)));
            }
            return 0;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static long[][] runRanks(
        final Options options,
        final String aeronDir,
        final long[] counts,
        final List<String> endpoints) throws IOException, InterruptedException {
        final List<Process> processes = new ArrayList<>();
        final List<Path> outputs = new ArrayList<>();
        try {
            for (int rank = 0; rank < options.ranks(); rank++) {
                final Path output = Files.createTempFile("cohort-bench-rank" + rank, ".out");
                outputs.add(output);
                processes.add(new ProcessBuilder(rankCommand(options, aeronDir, counts,
                    endpoints, rank))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start());
            }

            boolean failed = false;
            for (final Process process : processes) {
                if (!process.waitFor(RANK_TIMEOUT_MINUTES, TimeUnit.MINUTES)
                    || process.exitValue() != 0) {
                    failed = true;
                }
            }
            return failed ? printFailures(outputs) : readMedians(outputs, counts.length);
        } finally {
            processes.forEach(Process::destroyForcibly);
            for (final Path output : outputs) {
                Files.deleteIfExists(output);
            }
        }
    }

    static List<String> rankCommand(
        final Options options,
        final String aeronDir,
        final long[] counts,
        final List<String> endpoints,
        final int rank) {
        final String java = ProcessHandle.current().info().command().orElse("java");
        final List<String> command = new ArrayList<>(List.of(java,
            "--add-exports", EXPORTS, "-Xmx512m", "-XX:+UseSerialGC"));
        command.addAll(forwardedProperties());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
            Rank.class.getName(),
            aeronDir, options.transport(), String.join(",", endpoints),
            Integer.toString(rank), Integer.toString(options.ranks()),
            options.wire().name(), Integer.toString(options.warmup()),
            Integer.toString(options.iterations()), Boolean.toString(options.verify())));
        for (final long count : counts) {
            command.add(Long.toString(count));
        }
        return command;
    }

    /**
     * The {@code cohort.*} and {@code agrona.*} system properties of this JVM, so that settings
     * given to the benchmark (e.g. {@code -Dcohort.collective.wire-format=bf16}) reach the ranks.
     */
    private static List<String> forwardedProperties() {
        final List<String> properties = new ArrayList<>();
        for (final String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("cohort.") || name.startsWith("agrona.")) {
                properties.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        return properties;
    }

    private static long[][] printFailures(final List<Path> outputs) throws IOException {
        for (int rank = 0; rank < outputs.size(); rank++) {
            System.err.println("--- rank " + rank + " ---");
            System.err.println(Files.readString(outputs.get(rank)));
        }
        return null;
    }

    private static long[][] readMedians(final List<Path> outputs, final int sizes)
        throws IOException {
        final long[][] medians = new long[outputs.size()][3 * sizes];
        for (int rank = 0; rank < outputs.size(); rank++) {
            int s = 0;
            for (final String line : Files.readAllLines(outputs.get(rank))) {
                if (line.startsWith(Rank.RESULT)) {
                    final String[] fields = line.substring(Rank.RESULT.length()).split(" ");
                    medians[rank][s] = Long.parseLong(fields[0]);
                    medians[rank][sizes + s] = Long.parseLong(fields[1]);
                    medians[rank][2 * sizes + s++] = Long.parseLong(fields[2]);
                }
            }
            if (s != sizes) {
                throw new IllegalStateException(
                    "rank " + rank + " reported " + s + " of " + sizes + " sizes");
            }
        }
        return medians;
    }

    private static long slowest(final long[][] medians, final int size) {
        long slowest = 0;
        for (final long[] rank : medians) {
            slowest = Math.max(slowest, rank[size]);
        }
        return slowest;
    }

    private static long mean(final long[][] perRank, final int column) {
        long sum = 0;
        for (final long[] rank : perRank) {
            sum += rank[column];
        }
        return sum / perRank.length;
    }

    private static String json(
        final Options options,
        final double mib,
        final long count,
        final long ns,
        final long cpuNs,
        final long bestNs) {
        final double bytes = count * (double) Float.BYTES;
        final double algbw = bytes / ns;
        final double busbw = algbw * 2.0 * (options.ranks() - 1) / options.ranks();
        return String.format(Locale.ROOT, "{\"ranks\":%d,\"mib\":%s,\"ms\":%.3f,"
                + "\"algbw_gbs\":%.3f,\"busbw_gbs\":%.3f,\"transport\":\"%s\",\"wire\":\"%s\","
                + "\"rank_cpu_ms\":%.3f,\"best_ms\":%.3f}",
            options.ranks(), trim(mib), ns / 1e6, algbw, busbw, options.transport(),
            options.wire().name().toLowerCase(Locale.ROOT), cpuNs / 1e6, bestNs / 1e6);
    }

    private static String trim(final double mib) {
        return mib == Math.rint(mib) ? Long.toString((long) mib) : Double.toString(mib);
    }

    private static long[] counts(final List<Double> mib) {
        final long[] counts = new long[mib.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = Math.max(1, (long) (mib.get(i) * 1024 * 1024 / Float.BYTES));
        }
        return counts;
    }

    private static List<String> endpoints(final Options options) throws IOException {
        final List<String> endpoints = new ArrayList<>();
        if ("udp".equals(options.transport())) {
            for (int rank = 0; rank < options.ranks(); rank++) {
                endpoints.add("127.0.0.1:" + freeUdpPort());
            }
        } else {
            endpoints.add("-");
        }
        return endpoints;
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Path defaultDir() {
        final Path shm = Path.of("/dev/shm");
        final String name = "cohort-bench-" + ProcessHandle.current().pid();
        return Files.isDirectory(shm) ? shm.resolve(name)
            : Path.of(System.getProperty("java.io.tmpdir"), name);
    }

    /**
     * One rank of the benchmark, run in its own JVM. Arguments, in order: aeron directory,
     * transport, endpoints (comma-separated, for udp), rank, ranks, wire format, warm-up,
     * iterations, verify, then the value counts. Prints {@code running} once the first
     * all-reduce is done, then one {@code result <median ns> <cpu ns> <best ns>} line per
     * size; exits with 1 when a sum is wrong and 3 when an all-reduce fails.
     */
    public static final class Rank {
        static final String RESULT = "result ";
        static final String RUNNING = "running";

        private Rank() {
        }

        /**
         * Runs one rank.
         *
         * @param args see the class comment.
         */
        public static void main(final String[] args) {
            final String aeronDir = args[0];
            final String transport = args[1];
            final List<String> endpoints = Arrays.asList(args[2].split(","));
            final int rank = Integer.parseInt(args[3]);
            final int ranks = Integer.parseInt(args[4]);
            final WireFormat wire = WireFormat.parse(args[5]);
            final int warmup = Integer.parseInt(args[6]);
            final int iterations = Integer.parseInt(args[7]);
            final boolean verify = Boolean.parseBoolean(args[8]);
            final int[] counts = new int[args.length - 9];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = Integer.parseInt(args[9 + i]);
            }

            final CollectiveSettings settings = CollectiveSettings.from(ConfigFactory.load())
                .withWireFormat(wire);
            final RingSpec spec = "udp".equals(transport)
                ? RingSpec.udp(EPOCH, rank, endpoints, BASE_STREAM_ID)
                : RingSpec.ipc(EPOCH, rank, ranks, BASE_STREAM_ID);
            final int maxValues = Arrays.stream(counts).max().orElse(1);
            final UnsafeBuffer values = new UnsafeBuffer(
                ByteBuffer.allocateDirect(maxValues * Float.BYTES));

            int exit = 0;
            try (Aeron aeron = MediaDrivers.connect(aeronDir);
                 RingAllReduce ring = RingAllReduce.create(aeron, spec, settings, maxValues)) {
                final com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean();
                long step = 0;
                final long[] times = new long[iterations];
                for (final int count : counts) {
                    long cpuNs = 0;
                    for (int i = 0; i < warmup + iterations; i++) {
                        fill(values, count, rank);
                        final long cpuStart = os.getProcessCpuTime();
                        final long start = System.nanoTime();
                        ring.allReduce(++step, values, count);
                        final long ns = System.nanoTime() - start;
                        if (step == 1) {
                            System.out.println(RUNNING);
                        }
                        if (i >= warmup) {
                            times[i - warmup] = ns;
                            cpuNs += os.getProcessCpuTime() - cpuStart;
                        }
                        if (verify && !check(values, count, ranks)) {
                            System.out.println("rank " + rank + ": wrong sum at step " + step);
                            exit = 1;
                        }
                    }
                    Arrays.sort(times);
                    final long median = times[iterations / 2];
                    System.out.println(RESULT + median + " " + cpuNs / iterations + " " + times[0]);
                }
            } catch (final AllReduceException e) {
                System.out.println("rank " + rank + " failed: " + e.getMessage());
                exit = 3;
            }
            System.exit(exit);
        }

        private static void fill(final UnsafeBuffer values, final int count, final int rank) {
            for (int i = 0; i < count; i++) {
                values.putFloat(i * Float.BYTES, i % 13 + rank);
            }
        }

        private static boolean check(final UnsafeBuffer values, final int count, final int n) {
            for (int i = 0; i < count; i++) {
                final float expected = n * (i % 13) + n * (n - 1) / 2;
                if (values.getFloat(i * Float.BYTES) != expected) {
                    return false;
                }
            }
            return true;
        }
    }
}
