package io.cohort.coordinator.monitor;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What a run is, fixed when it starts.
 *
 * @param runName          the run's name, also its folder's name
 * @param preset           the settings preset it was started from
 * @param modelKind        the model family, such as {@code gpt} or {@code bigram}
 * @param parameterCount   the number of trainable parameters
 * @param dataName         the data set's name
 * @param totalSteps       the number of steps the run will take
 * @param workersExpected  the number of workers the ring is formed from
 * @param runDir           the run folder
 * @param startedAt        when the run started
 * @param settings         the resolved settings, flat
 */
public record RunInfo(
        String runName,
        String preset,
        String modelKind,
        long parameterCount,
        String dataName,
        long totalSteps,
        int workersExpected,
        Path runDir,
        Instant startedAt,
        Map<String, String> settings) {

    /** Checks the fields and keeps an immutable copy of the settings. */
    public RunInfo {
        Objects.requireNonNull(runName, "runName");
        Objects.requireNonNull(startedAt, "startedAt");
        if (totalSteps < 0) {
            throw new IllegalArgumentException("totalSteps must be >= 0 but was " + totalSteps);
        }
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }
}
