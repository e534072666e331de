package io.cohort.coordinator.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.coordinator.monitor.Checkpoint;
import io.cohort.coordinator.monitor.EvalPoint;
import io.cohort.coordinator.monitor.LogLine;
import io.cohort.coordinator.monitor.MetricsWindow;
import io.cohort.coordinator.monitor.RunInfo;
import io.cohort.coordinator.monitor.RunSnapshot;
import io.cohort.coordinator.monitor.WorkerInfo;
import io.cohort.coordinator.monitor.WorkerStep;
import io.cohort.coordinator.monitor.WorkerView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The JSON bodies of the dashboard's API, with snake_case keys and times in seconds. */
final class DashboardJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private DashboardJson() {
    }

    /** {@code /api/run}. */
    static ObjectNode run(RunSnapshot run) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("state", run.state().name().toLowerCase());
        json.put("detail", run.detail());
        json.put("step", run.step());
        json.put("elapsed_s", seconds(run.elapsed()));
        json.put("eta_s", run.eta() == null ? null : seconds(run.eta()));
        json.put("total_tokens", run.totalTokens());
        json.put("compute_ms_total", run.computeMsTotal());
        json.put("allreduce_ms_total", run.allReduceMsTotal());
        putInfo(json, run.info());
        putLatest(json, run);
        putSample(json, run);
        ArrayNode checkpoints = json.putArray("checkpoints");
        for (Checkpoint c : run.checkpoints()) {
            checkpoints.addObject()
                    .put("step", c.step())
                    .put("path", c.path().toString())
                    .put("time", c.time().toString());
        }
        return json;
    }

    /** {@code /api/workers}. */
    static ArrayNode workers(List<WorkerView> workers, Instant now) {
        ArrayNode json = MAPPER.createArrayNode();
        for (WorkerView view : workers) {
            WorkerInfo w = view.info();
            ObjectNode worker = json.addObject()
                    .put("rank", w.rank())
                    .put("host", w.host())
                    .put("device", w.device())
                    .put("state", w.state())
                    .put("last_step", w.lastStep());
            worker.put("last_heard_s_ago", w.lastHeard() == null
                    ? null : seconds(Duration.between(w.lastHeard(), now)));
            WorkerStep last = view.last();
            if (last != null) {
                worker.put("compute_ms", last.computeMs())
                        .put("allreduce_ms", last.allReduceMs())
                        .put("tokens_per_s", last.tokensPerS())
                        .put("busbw_gbs", last.busbwGbs());
            }
        }
        return json;
    }

    /** {@code /api/metrics}: parallel arrays, then the evaluations. */
    static ObjectNode metrics(MetricsWindow window) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("last_step", window.lastStep());
        json.put("matched_points", window.matchedPoints());
        json.put("points", window.size());
        ArrayNode step = json.putArray("step");
        for (long s : window.step()) {
            step.add(s);
        }
        putColumn(json, "loss", window.loss());
        putColumn(json, "tokens_per_s", window.tokensPerS());
        putColumn(json, "step_ms", window.stepMs());
        putColumn(json, "compute_ms", window.computeMs());
        putColumn(json, "allreduce_ms", window.allReduceMs());
        ArrayNode evals = json.putArray("evals");
        for (EvalPoint e : window.evals()) {
            ObjectNode eval = evals.addObject().put("step", e.step());
            putNumber(eval, "train_loss", e.trainLoss());
            putNumber(eval, "val_loss", e.validationLoss());
        }
        return json;
    }

    /** {@code /api/logs}. */
    static ArrayNode logs(List<LogLine> lines) {
        ArrayNode json = MAPPER.createArrayNode();
        for (LogLine line : lines) {
            json.addObject()
                    .put("seq", line.sequence())
                    .put("time", line.time().toString())
                    .put("level", line.level())
                    .put("logger", line.logger())
                    .put("message", line.message());
        }
        return json;
    }

    /** The body of a server-sent event: which parts of the run changed. */
    static String changes(Set<?> changes) {
        ArrayNode json = MAPPER.createArrayNode();
        for (Object change : changes) {
            json.add(change.toString().toLowerCase());
        }
        return json.toString();
    }

    /** A body of {@code {"error": message}}. */
    static ObjectNode error(String message) {
        return MAPPER.createObjectNode().put("error", message);
    }

    private static void putInfo(ObjectNode json, RunInfo info) {
        if (info == null) {
            json.putNull("run_name");
            return;
        }
        json.put("run_name", info.runName());
        json.put("preset", info.preset());
        json.put("model_kind", info.modelKind());
        json.put("parameter_count", info.parameterCount());
        json.put("data_name", info.dataName());
        json.put("total_steps", info.totalSteps());
        json.put("workers_expected", info.workersExpected());
        json.put("run_dir", info.runDir() == null ? null : info.runDir().toString());
        json.put("started_at", info.startedAt().toString());
        ObjectNode settings = json.putObject("settings");
        info.settings().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> settings.put(e.getKey(), e.getValue()));
    }

    private static void putLatest(ObjectNode json, RunSnapshot run) {
        if (run.latest() != null) {
            putNumber(json, "loss", run.latest().loss());
            json.put("tokens_per_s", run.latest().tokensPerS());
            json.put("step_ms", run.latest().stepMs());
            json.put("compute_ms", run.latest().computeMs());
            json.put("allreduce_ms", run.latest().allReduceMs());
            json.put("learning_rate", run.latest().learningRate());
            json.put("workers", run.latest().workers());
        }
        if (run.lastEval() != null) {
            json.put("eval_step", run.lastEval().step());
            putNumber(json, "eval_train_loss", run.lastEval().trainLoss());
            putNumber(json, "val_loss", run.lastEval().validationLoss());
        }
    }

    private static void putSample(ObjectNode json, RunSnapshot run) {
        if (run.sample() == null) {
            json.putNull("sample");
            return;
        }
        json.putObject("sample")
                .put("step", run.sample().step())
                .put("text", run.sample().text());
    }

    private static void putColumn(ObjectNode json, String name, double[] values) {
        ArrayNode column = json.putArray(name);
        for (double v : values) {
            if (Double.isFinite(v)) {
                column.add(v);
            } else {
                column.addNull();
            }
        }
    }

    /** Puts {@code value}, or null when it is not finite (a diverged loss), which JSON lacks. */
    private static void putNumber(ObjectNode json, String name, double value) {
        if (Double.isFinite(value)) {
            json.put(name, value);
        } else {
            json.putNull(name);
        }
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
