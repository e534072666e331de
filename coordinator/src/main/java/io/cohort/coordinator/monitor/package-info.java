/**
 * The live record of a training run: {@link io.cohort.coordinator.monitor.RunMonitor}, which the
 * coordinator reports into and the dashboard reads; the run folder's {@code metrics.jsonl}
 * through {@link io.cohort.coordinator.monitor.MetricsLog}; the controls the coordinator offers,
 * {@link io.cohort.coordinator.monitor.RunControl}; and a Logback appender that forwards the
 * run's log lines.
 */
package io.cohort.coordinator.monitor;
