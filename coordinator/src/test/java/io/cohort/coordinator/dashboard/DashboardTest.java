package io.cohort.coordinator.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.coordinator.monitor.RunMonitor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DashboardTest {

    private static final long STEPS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ActorSystem<Void> system;
    private static RunMonitor monitor;
    private static RecordingControl control;
    private static String token;
    private static Dashboard dashboard;
    private static HttpClient http;

    @BeforeAll
    static void startDashboard() {
        system = ActorSystem.create(Behaviors.empty(), "dashboard-test");
        monitor = new RunMonitor();
        control = new RecordingControl();
        token = RunToken.generate();
        KnownRun.feed(monitor, STEPS);
        monitor.sampleGenerated(STEPS, "Dorothy lived in the midst of the great Kansas prairies");
        monitor.checkpointWritten(STEPS, Path.of("runs", KnownRun.NAME, "step-20.ckpt"));
        dashboard = Dashboard.start(system, "127.0.0.1", 0, monitor, control, token);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopDashboard() {
        dashboard.close();
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().join();
    }

    @Test
    void shouldReportTheRunWhenStepsAreKnown() throws Exception {
        JsonNode run = getJson("api/run");

        assertEquals(KnownRun.NAME, run.get("run_name").asText());
        assertEquals("tiny", run.get("preset").asText());
        assertEquals(1_234_567, run.get("parameter_count").asLong());
        assertEquals("wizard_of_oz", run.get("data_name").asText());
        assertEquals("training", run.get("state").asText());
        assertEquals(STEPS, run.get("step").asLong());
        assertEquals(KnownRun.TOTAL_STEPS, run.get("total_steps").asLong());
        assertEquals(KnownRun.loss(STEPS), run.get("loss").asDouble(), 1e-12);
        assertEquals(KnownRun.loss(STEPS) + 0.1, run.get("val_loss").asDouble(), 1e-12);
        assertEquals(STEPS * KnownRun.TOKENS_PER_STEP, run.get("total_tokens").asLong());
        assertTrue(run.get("elapsed_s").asDouble() >= 90, "elapsed " + run.get("elapsed_s"));
        assertTrue(run.get("eta_s").isNumber(), "eta " + run.get("eta_s"));
        assertEquals(STEPS, run.get("sample").get("step").asLong());
        assertTrue(run.get("sample").get("text").asText().startsWith("Dorothy"));
        assertEquals(STEPS, run.get("checkpoints").get(0).get("step").asLong());
    }

    @Test
    void shouldListBothWorkersWithTheirLastShareWhenAsked() throws Exception {
        JsonNode workers = getJson("api/workers");

        assertEquals(2, workers.size());
        for (int rank = 0; rank < 2; rank++) {
            JsonNode w = workers.get(rank);
            assertEquals(rank, w.get("rank").asInt());
            assertEquals("host-" + rank, w.get("host").asText());
            assertEquals(STEPS, w.get("last_step").asLong());
            assertEquals(KnownRun.allReduceMs(STEPS), w.get("allreduce_ms").asDouble(), 1e-12);
            assertEquals(KnownRun.tokensPerS(STEPS) / 2, w.get("tokens_per_s").asDouble(), 1e-9);
            assertTrue(w.get("last_heard_s_ago").asDouble() < 30);
        }
        assertEquals(1.25, workers.get(1).get("busbw_gbs").asDouble(), 1e-12);
    }

    @Test
    void shouldReturnOnlyNewerStepsAndEvaluationsWhenSinceIsGiven() throws Exception {
        JsonNode metrics = getJson("api/metrics?since=17");

        assertEquals(List.of(18L, 19L, 20L), longs(metrics.get("step")));
        for (int i = 0; i < 3; i++) {
            long step = 18 + i;
            assertEquals(KnownRun.loss(step), metrics.get("loss").get(i).asDouble(), 1e-12);
            assertEquals(KnownRun.tokensPerS(step),
                    metrics.get("tokens_per_s").get(i).asDouble(), 1e-9);
            assertEquals(KnownRun.computeMs(step),
                    metrics.get("compute_ms").get(i).asDouble(), 1e-12);
        }
        assertEquals(1, metrics.get("evals").size());
        assertEquals(20, metrics.get("evals").get(0).get("step").asLong());
        assertEquals(KnownRun.loss(20) + 0.1,
                metrics.get("evals").get(0).get("val_loss").asDouble(), 1e-12);
    }

    @Test
    void shouldDownsampleWhenMorePointsThanMaxPoints() throws Exception {
        JsonNode metrics = getJson("api/metrics?max_points=5");

        List<Long> steps = longs(metrics.get("step"));
        assertEquals(5, steps.size());
        assertEquals(1, steps.get(0));
        assertEquals(STEPS, steps.get(4));
        assertEquals(STEPS / 5, metrics.get("evals").size());
        assertEquals(STEPS, metrics.get("matched_points").asLong());
    }

    @Test
    void shouldAnswer400WithTheReasonWhenMaxPointsIsBad() throws Exception {
        HttpResponse<String> response = get("api/metrics?max_points=1");

        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("max_points must be between 2 and 100000"),
                response.body());
    }

    @Test
    void shouldExposeRunMetricsInPrometheusFormatWhenScraped() throws Exception {
        HttpResponse<String> response = get("metrics");
        String text = response.body();

        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("")
                .startsWith("text/plain"));
        assertEquals(STEPS, sample(text, "cohort_step"), 1e-9);
        assertEquals(KnownRun.loss(STEPS), sample(text, "cohort_train_loss"), 1e-9);
        assertEquals(KnownRun.tokensPerS(STEPS), sample(text, "cohort_tokens_per_second"), 1e-6);
        assertEquals(KnownRun.computeMs(STEPS) / 1000,
                sample(text, "cohort_step_time_seconds{phase=\"compute\"}"), 1e-9);
        assertEquals(KnownRun.allReduceMs(STEPS) / 1000,
                sample(text, "cohort_step_time_seconds{phase=\"allreduce\"}"), 1e-9);
        assertEquals(STEPS * KnownRun.TOKENS_PER_STEP, sample(text, "cohort_tokens_total"), 1e-6);
        assertEquals(2, sample(text, "cohort_workers"), 1e-9);
        assertEquals(1, sample(text, "cohort_run_state{state=\"training\"}"), 1e-9);
        assertEquals(0, sample(text, "cohort_run_state{state=\"paused\"}"), 1e-9);
    }

    @Test
    void shouldAnswer401AndChangeNothingWhenTokenIsMissingOrWrong() throws Exception {
        int before = control.calls.size();

        HttpResponse<String> none = post("api/control/stop", null, null);
        HttpResponse<String> wrong = post("api/control/stop", "Bearer " + token + "x", null);
        HttpResponse<String> wrongForm = post("api/control/pause", null, "token=nope");

        assertEquals(401, none.statusCode());
        assertEquals(401, wrong.statusCode());
        assertEquals(401, wrongForm.statusCode());
        assertTrue(none.body().contains("controls need the run's token"), none.body());
        assertEquals(before, control.calls.size(), "controls reached: " + control.calls);
    }

    @Test
    void shouldReachRunControlWhenTokenIsGiven() throws Exception {
        control.calls.clear();

        HttpResponse<String> stop = post("api/control/stop", "Bearer " + token, null);
        HttpResponse<String> pause = post("api/control/pause", null, "token=" + token);
        HttpResponse<String> checkpoint = post("api/control/checkpoint?token=" + token, null, null);

        assertEquals(200, stop.statusCode(), stop.body());
        assertEquals(200, pause.statusCode(), pause.body());
        assertEquals(200, checkpoint.statusCode(), checkpoint.body());
        assertEquals(List.of("stop", "pause", "checkpoint"), control.calls);
    }

    @Test
    void shouldAnswer404WhenControlIsUnknown() throws Exception {
        HttpResponse<String> response = post("api/control/explode", "Bearer " + token, null);

        assertEquals(404, response.statusCode());
        assertTrue(response.body().contains("pause, resume, checkpoint and stop"));
    }

    @Test
    void shouldFailWithOneClearLineWhenPortIsInUse() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            DashboardException e = assertThrows(DashboardException.class, () ->
                    Dashboard.start(system, "127.0.0.1", port, monitor, control, token));

            assertEquals("dashboard port 127.0.0.1:" + port + " is already in use; pass "
                    + "--dashboard HOST:PORT with a free port or --no-dashboard", e.getMessage());
            Thread.sleep(300);
            assertTrue(logged.list.stream().noneMatch(event -> event.getThrowableProxy() != null),
                    "a stack trace was logged: " + logged.list);
        } finally {
            root.detachAppender(logged);
        }
    }

    @Test
    void shouldServeThePageAndTheChartLibraryFromTheJar() throws Exception {
        HttpResponse<String> page = get("");
        HttpResponse<String> uplot = get("vendor/uplot/uPlot.iife.min.js");
        HttpResponse<String> script = get("assets/dashboard.js");

        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("vendor/uplot/uPlot.iife.min.js"));
        assertEquals(200, uplot.statusCode());
        assertTrue(uplot.body().contains("uPlot"));
        assertEquals(200, script.statusCode());
        assertTrue(script.headers().firstValue("Content-Type").orElse("").contains("javascript"));
    }

    @Test
    void shouldPushAChangeEventWhenAStepCompletes() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("api/events")).build();
        HttpResponse<Stream<String>> response =
                http.send(request, HttpResponse.BodyHandlers.ofLines());
        Iterator<String> lines = response.headers().firstValue("Content-Type").orElse("")
                .startsWith("text/event-stream") ? response.body().iterator() : List.<String>of()
                .iterator();
        CompletableFuture<String> changed = CompletableFuture.supplyAsync(() -> {
            while (lines.hasNext()) {
                String line = lines.next();
                if (line.startsWith("data:") && line.contains("metrics")) {
                    return line;
                }
            }
            return "stream ended";
        });

        while (!changed.isDone()) {
            monitor.evaluated(STEPS, KnownRun.loss(STEPS) - 0.05, KnownRun.loss(STEPS) + 0.1);
            Thread.sleep(100);
        }

        assertTrue(changed.get().contains("\"metrics\""), changed.get());
        response.body().close();
    }

    @Test
    void shouldReleaseTheSubscriptionWhenAPageCloses() throws Exception {
        int before = monitor.subscriberCount();
        try (Socket page = new Socket("127.0.0.1", dashboard.address().getPort())) {
            page.getOutputStream().write(("GET /api/events HTTP/1.1\r\nHost: localhost\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            page.getOutputStream().flush();
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(page.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 200 OK", reader.readLine());
            awaitSubscribers(before + 1);
        }

        awaitSubscribers(before);
    }

    private static void awaitSubscribers(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (monitor.subscriberCount() != expected && System.nanoTime() < deadline) {
            monitor.log(Instant.now(), "INFO", "test", "tick");
            Thread.sleep(50);
        }
        assertEquals(expected, monitor.subscriberCount());
    }

    private static JsonNode getJson(String path) throws Exception {
        HttpResponse<String> response = get(path);
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("")
                .startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String authorization, String form)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(10))
                .POST(form == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(form));
        if (form != null) {
            request.header("Content-Type", "application/x-www-form-urlencoded");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return dashboard.uri().resolve(path);
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asLong()));
        return values;
    }

    /** The value of the Prometheus sample whose name and labels are {@code series}. */
    private static double sample(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        assertFalse(true, series + " not in:\n" + text);
        return Double.NaN;
    }
}
