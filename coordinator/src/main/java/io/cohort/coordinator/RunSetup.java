package io.cohort.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.cohort.model.TextCorpus;
import io.cohort.worker.ClusterConfig;
import io.cohort.worker.TrainSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns what the user asked for (flags, {@code --set} overrides, a run folder to resume) into a
 * validated {@link RunPlan} and a run folder holding the resolved settings. Every mistake is
 * reported as one line naming the setting and what it must be.
 */
public final class RunSetup {

    /** The resolved settings of a run, in its folder. */
    public static final String CONFIG_FILE = "config.conf";

    private static final Pattern CHECKPOINT = Pattern.compile("step-(\\d+)\\.ckpt");

    /** Model sizes a user may set although reference.conf leaves them to the preset. */
    private static final Set<String> PRESET_KEYS = Set.of("train.batch-size",
            "train.block-size", "train.n-embd", "train.n-head", "train.n-layer",
            "train.dropout", "train.learning-rate");

    /** What the user asked for. */
    public record Request(String preset, String model, Path data, Long steps, Long seed,
            Path runDir, Path resume, List<String> overrides, int workers) {
    }

    /** A plan and the full settings it came from. */
    public record Prepared(RunPlan plan, Config config) {
    }

    private RunSetup() {
    }

    /** Validates {@code request}, creates or reopens the run folder, and plans the run. */
    public static Prepared prepare(Request request) throws IOException {
        Config user = request.resume() != null ? resumedSettings(request) : fresh(request);
        Config config = ClusterConfig.settings(user);
        TrainSettings settings = TrainSettings.from(config);
        Config coordinator = config.getConfig("cohort.coordinator");

        Path data = request.data() != null ? request.data()
                : config.hasPath("cohort.data") ? Path.of(config.getString("cohort.data")) : null;
        TextCorpus corpus = data == null ? TextCorpus.embedded() : TextCorpus.load(data);
        corpus.validateFor(settings.blockSize());
        String dataName = data == null ? corpus.name() : data.toAbsolutePath().toString();
        byte[] text = corpus.text().getBytes(StandardCharsets.UTF_8);
        long inlineLimit = coordinator.getBytes("inline-data-limit").longValue();
        boolean inline = text.length <= inlineLimit;

        Path runDir;
        Path resume = null;
        long startStep = 0;
        if (request.resume() != null) {
            runDir = request.resume();
            resume = latestCheckpoint(runDir);
            startStep = stepOf(resume);
        } else {
            runDir = request.runDir() != null ? request.runDir()
                    : Path.of("runs", LocalDateTime.now().format(
                            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                            + settings.preset());
            claim(runDir);
        }
        Config saved = config.getConfig("cohort").atKey("cohort");
        if (data != null) {
            saved = saved.withValue("cohort.data",
                    ConfigValueFactory.fromAnyRef(data.toAbsolutePath().toString()));
        }
        writeSettings(runDir, saved);

        RunPlan plan = new RunPlan(settings,
                saved.root().render(ConfigRenderOptions.concise()),
                dataName,
                inline ? text : null,
                inline ? null : data.toAbsolutePath(),
                runDir.toAbsolutePath(),
                resume == null ? null : resume.toAbsolutePath(),
                startStep,
                request.workers(),
                coordinator.getDuration("formation-timeout"),
                coordinator.getDuration("step-timeout"));
        return new Prepared(plan, config);
    }

    private static Config fresh(Request request) {
        Config user = overrides(request.overrides());
        user = flag(user, "cohort.train.preset", request.preset());
        user = flag(user, "cohort.train.model", request.model());
        user = flag(user, "cohort.train.steps", request.steps());
        user = flag(user, "cohort.train.seed", request.seed());
        return user;
    }

    private static Config resumedSettings(Request request) {
        Path file = request.resume().resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("cannot resume " + request.resume()
                    + ": it holds no " + CONFIG_FILE + "; pass the folder of an earlier run");
        }
        if (request.preset() != null || request.model() != null || request.seed() != null
                || !request.overrides().isEmpty()) {
            throw new IllegalArgumentException("a resumed run keeps its settings; pass only"
                    + " --steps (and --data if its file moved) with --resume");
        }
        Config saved = ConfigFactory.parseFile(file.toFile());
        return flag(saved, "cohort.train.steps", request.steps());
    }

    private static Config overrides(List<String> overrides) {
        Config defaults = ClusterConfig.settings(ConfigFactory.empty());
        Config user = ConfigFactory.empty();
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set takes KEY=VALUE, got '" + override
                        + "'");
            }
            String key = override.substring(0, eq).trim();
            String value = override.substring(eq + 1).trim();
            if (!defaults.hasPath("cohort." + key) && !PRESET_KEYS.contains(key)
                    && !key.equals("data")) {
                throw new IllegalArgumentException("unknown setting '" + key + "' in --set;"
                        + " settings are those of reference.conf below 'cohort.', such as"
                        + " train.eval-interval-steps");
            }
            try {
                user = ConfigFactory.parseString("cohort." + key + " = " + value)
                        .withFallback(user);
            } catch (ConfigException e) {
                throw new IllegalArgumentException("bad value for " + key + " in --set: "
                        + e.getMessage());
            }
        }
        return user;
    }

    private static Config flag(Config config, String path, Object value) {
        return value == null ? config
                : config.withValue(path, ConfigValueFactory.fromAnyRef(value));
    }

    private static void claim(Path runDir) throws IOException {
        if (Files.exists(runDir.resolve("metrics.jsonl"))) {
            throw new IllegalArgumentException("the run folder " + runDir + " already holds a"
                    + " run; pass --resume " + runDir + " to continue it, or another --run-dir");
        }
        Files.createDirectories(runDir.resolve("checkpoints"));
    }

    private static void writeSettings(Path runDir, Config saved) throws IOException {
        Files.createDirectories(runDir);
        Path tmp = runDir.resolve(CONFIG_FILE + ".tmp");
        String text = saved.root().render(ConfigRenderOptions.defaults().setOriginComments(false)
                .setJson(false));
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, runDir.resolve(CONFIG_FILE), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** The checkpoint of the highest step in {@code runDir}. */
    public static Path latestCheckpoint(Path runDir) throws IOException {
        Path folder = runDir.resolve("checkpoints");
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("cannot resume " + runDir
                    + ": it has no checkpoints folder");
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> CHECKPOINT.matcher(f.getFileName().toString()).matches())
                    .max((a, b) -> Long.compare(stepOf(a), stepOf(b)))
                    .orElseThrow(() -> new IllegalArgumentException("cannot resume " + runDir
                            + ": it holds no checkpoint yet"));
        }
    }

    private static long stepOf(Path checkpoint) {
        Matcher m = CHECKPOINT.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a checkpoint file name: " + checkpoint);
        }
        return Long.parseLong(m.group(1));
    }
}
