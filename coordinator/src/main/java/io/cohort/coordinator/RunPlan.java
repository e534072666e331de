package io.cohort.coordinator;

import io.cohort.worker.TrainSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the coordinator needs to drive one run, fixed before the first worker joins.
 *
 * @param settings         the run's arithmetic
 * @param settingsText     the same settings as HOCON text, sent to every worker
 * @param dataName         the corpus's name, for logs and checkpoints
 * @param dataText         the corpus itself when small enough to send, else {@code null}
 * @param dataPath         the corpus's path when every worker must read it, else {@code null}
 * @param runDir           the run folder
 * @param resumeCheckpoint the checkpoint to continue from, or {@code null}
 * @param startStep        the last step already done (0 for a fresh run)
 * @param workers          workers to wait for before training starts
 * @param formationTimeout how long to wait for them
 * @param stepTimeout      how long one step, evaluation or checkpoint may take
 */
public record RunPlan(
        TrainSettings settings,
        String settingsText,
        String dataName,
        byte[] dataText,
        Path dataPath,
        Path runDir,
        Path resumeCheckpoint,
        long startStep,
        int workers,
        Duration formationTimeout,
        Duration stepTimeout) {

    public RunPlan {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        if (settings.batchSize() % workers != 0) {
            throw new IllegalArgumentException("the global batch (" + settings.batchSize()
                    + ") must divide evenly among " + workers
                    + " workers; pass --set train.batch-size=N with N a multiple of " + workers);
        }
    }

    /** Where the checkpoint after {@code step} goes. */
    public Path checkpointFile(long step) {
        return runDir.resolve("checkpoints").resolve(String.format("step-%07d.ckpt", step));
    }
}
