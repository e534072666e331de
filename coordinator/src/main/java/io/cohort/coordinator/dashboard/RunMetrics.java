package io.cohort.coordinator.dashboard;

import io.cohort.coordinator.monitor.RunMonitor;
import io.cohort.coordinator.monitor.RunSnapshot;
import io.cohort.coordinator.monitor.RunState;
import io.cohort.coordinator.monitor.StepRecord;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * The run's metrics in the Prometheus text format, read from a {@link RunMonitor} at each
 * scrape: {@code cohort_step}, {@code cohort_train_loss}, {@code cohort_validation_loss},
 * {@code cohort_tokens_per_second}, {@code cohort_step_time_seconds{phase}},
 * {@code cohort_phase_time_seconds_total{phase}}, {@code cohort_tokens_total},
 * {@code cohort_workers} and {@code cohort_run_state{state}}.
 */
final class RunMetrics {

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    RunMetrics(RunMonitor monitor) {
        gauge(monitor, "cohort.step", "The last step completed", r -> r.step());
        gauge(monitor, "cohort.total.steps", "The steps the run will take",
                r -> r.info() == null ? Double.NaN : r.info().totalSteps());
        gauge(monitor, "cohort.train.loss", "Train loss of the last step",
                r -> latest(r, StepRecord::loss));
        gauge(monitor, "cohort.validation.loss", "Validation loss of the last evaluation",
                r -> r.lastEval() == null ? Double.NaN : r.lastEval().validationLoss());
        gauge(monitor, "cohort.tokens.per.second", "Tokens per second in the last step",
                r -> latest(r, StepRecord::tokensPerS));
        phaseGauges(monitor);
        FunctionCounter.builder("cohort.tokens", monitor, m -> m.run().totalTokens())
                .description("Tokens processed").register(registry);
        Gauge.builder("cohort.workers", monitor, m -> m.workers().size())
                .description("Workers known to the coordinator").register(registry);
        for (RunState state : RunState.values()) {
            Gauge.builder("cohort.run.state", monitor, m -> m.run().state() == state ? 1 : 0)
                    .description("1 for the state the run is in")
                    .tag("state", state.name().toLowerCase())
                    .register(registry);
        }
    }

    /** The metrics now, in the Prometheus text format. */
    String scrape() {
        return registry.scrape();
    }

    private void phaseGauges(RunMonitor monitor) {
        stepTime(monitor, "total", StepRecord::stepMs);
        stepTime(monitor, "compute", StepRecord::computeMs);
        stepTime(monitor, "allreduce", StepRecord::allReduceMs);
        FunctionCounter.builder("cohort.phase.time", monitor,
                        m -> m.run().computeMsTotal() / 1000.0)
                .description("Time spent per phase over all steps").baseUnit("seconds")
                .tag("phase", "compute").register(registry);
        FunctionCounter.builder("cohort.phase.time", monitor,
                        m -> m.run().allReduceMsTotal() / 1000.0)
                .description("Time spent per phase over all steps").baseUnit("seconds")
                .tag("phase", "allreduce").register(registry);
    }

    private void stepTime(RunMonitor monitor, String phase, ToDoubleFunction<StepRecord> ms) {
        Gauge.builder("cohort.step.time", monitor, m -> latest(m.run(), ms) / 1000.0)
                .description("Time of the last step by phase").baseUnit("seconds")
                .tag("phase", phase).register(registry);
    }

    private void gauge(RunMonitor monitor, String name, String description,
            ToDoubleFunction<RunSnapshot> value) {
        Gauge.builder(name, monitor, m -> value.applyAsDouble(m.run()))
                .description(description).register(registry);
    }

    private static double latest(RunSnapshot run, ToDoubleFunction<StepRecord> value) {
        return run.latest() == null ? Double.NaN : value.applyAsDouble(run.latest());
    }
}
