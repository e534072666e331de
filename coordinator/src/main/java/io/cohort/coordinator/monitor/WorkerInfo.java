package io.cohort.coordinator.monitor;

import java.time.Instant;

/**
 * What the coordinator last knew of one worker.
 *
 * @param rank       the worker's rank in the current ring
 * @param host       the host it runs on
 * @param device     its device, such as {@code cpu} or {@code cuda:0}
 * @param state      its state in words, such as {@code ready}, {@code training} or {@code lost}
 * @param lastStep   the last step it completed
 * @param lastHeard  when the coordinator last heard from it
 */
public record WorkerInfo(
        int rank, String host, String device, String state, long lastStep, Instant lastHeard) {
}
