package io.cohort.coordinator.monitor;

/**
 * One worker as the dashboard shows it.
 *
 * @param info  what the coordinator last knew of it
 * @param last  its share of the last step it took part in, or null
 */
public record WorkerView(WorkerInfo info, WorkerStep last) {
}
