package io.cohort.coordinator.cli;

import io.cohort.coordinator.RunSetup;
import io.cohort.model.CharTokenizer;
import io.cohort.model.CheckpointState;
import io.cohort.model.Checkpoints;
import io.cohort.model.LanguageModel;
import io.cohort.model.Sampler;
import io.cohort.worker.Replica;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort generate}: sample text from a checkpoint, once or as a chat loop. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Sample text from a checkpoint.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", paramLabel = "PATH", required = true,
            description = "A checkpoint file, or a run folder (its latest checkpoint).")
    Path checkpoint;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "",
            description = "Text to continue (default: none).")
    String prompt;

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "300",
            description = "Characters to generate (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
            description = "Softmax temperature, above 0 (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Sample among the K likeliest characters; 0 for all (default).")
    int topK;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1337",
            description = "Seed of the sampling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--interactive", description = "Chat: read prompts from standard input.")
    boolean interactive;

    @Override
    public Integer call() throws Exception {
        if (tokens < 1) {
            throw new IllegalArgumentException("--tokens must be at least 1, got " + tokens);
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("--temperature must be above 0, got "
                    + temperature);
        }
        Path file = Files.isDirectory(checkpoint) ? RunSetup.latestCheckpoint(checkpoint)
                : checkpoint;
        CheckpointState state = Checkpoints.read(file);
        CharTokenizer tokenizer = CharTokenizer.fromVocabulary(state.vocabulary());
        PrintStream out = System.out;
        try (LanguageModel model = Replica.restoreModel(state)) {
            if (!interactive) {
                out.println(prompt + generate(model, tokenizer, prompt, seed));
                return 0;
            }
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(System.in, StandardCharsets.UTF_8));
            long turn = 0;
            out.print("Prompt (empty line or Ctrl-D ends): ");
            out.flush();
            for (String line = in.readLine(); line != null && !line.isEmpty();
                    line = in.readLine()) {
                out.println(line + generate(model, tokenizer, line, seed + turn++));
                out.print("Prompt: ");
                out.flush();
            }
            out.println();
            return 0;
        }
    }

    private String generate(LanguageModel model, CharTokenizer tokenizer, String text,
            long sampleSeed) {
        int[] context = text.isEmpty() ? new int[0] : tokenizer.encode(text);
        int[] generated = Sampler.generate(model, context, tokens, temperature, topK, sampleSeed);
        return tokenizer.decode(generated);
    }
}
