package io.cohort.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cohort.coordinator.monitor.MetricsLog;
import io.cohort.coordinator.monitor.RunLog;
import io.cohort.model.Checkpoints;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real run of a tiny model with two worker processes, watched in a real browser through the
 * coordinator's dashboard, then stopped from the dashboard's API.
 */
class LiveDashboardTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Pattern STEP = Pattern.compile("\"step\"\\s*:\\s*(\\d+)");

    @TempDir
    Path work;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldShowTheLiveRunAndStopItOnlyWithTheToken() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver");
        int port = freePort();
        Path runDir = work.resolve("run");
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        try (CohortProcess train = CohortProcess.start(work.resolve("train.out"), "train",
                "--preset", "tiny", "--workers", "2", "--steps", "100000",
                "--run-dir", runDir.toString(), "--dashboard", "127.0.0.1:" + port,
                "--set", "train.eval-interval-steps=4", "--set", "train.eval-iters=2",
                "--set", "train.sample-interval-steps=4", "--set", "train.sample-tokens=40",
                "--set", "train.checkpoint-interval-steps=0")) {
            awaitStep(http, base, 9, train);
            watchInBrowser(base);

            long before = step(http, base);
            HttpResponse<String> refused = post(http, base, "stop", null);
            assertEquals(401, refused.statusCode());
            awaitStep(http, base, before + 2, train);

            String token = Files.readString(runDir.resolve("token"), StandardCharsets.UTF_8)
                    .strip();
            HttpResponse<String> accepted = post(http, base, "stop", token);
            assertEquals(200, accepted.statusCode(), accepted.body());
            CohortProcess.Result result = train.await(90);

            assertEquals(0, result.exitCode(), result.output());
            RunLog log = MetricsLog.read(runDir.resolve("metrics.jsonl"));
            assertEquals("stopped", log.finished().status());
            long last = log.finished().step();
            Path checkpoint = RunSetup.latestCheckpoint(runDir);
            assertEquals(last, Checkpoints.read(checkpoint).step(),
                    "stopping must leave a checkpoint of the last step");
        }
    }

    private void watchInBrowser(URI base) throws Exception {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + work.resolve("profile"));
        WebDriver browser = new ChromeDriver(service, options);
        try {
            browser.manage().window().setSize(new Dimension(1280, 1000));
            browser.get(base.toString());
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            wait.until(b -> number(b, "return window.cohortDashboard.charts.loss.data[0]"
                    + ".length;") >= 8);
            wait.until(b -> ranks(b).size() == 2);
            wait.until(b -> !script(b, "return document.getElementById('sample').textContent;")
                    .toString().isBlank());
            long validation = number(browser, "return window.cohortDashboard.charts.loss"
                    + ".data[3].filter(v => v !== null && v !== undefined).length;");
            assertTrue(validation >= 2, "validation points on the chart: " + validation);
            assertEquals(List.of("0", "1"), ranks(browser));

            Path folder = Path.of(System.getProperty("basedir", "."), "target",
                    "dashboard-screenshots");
            Files.createDirectories(folder);
            Files.write(folder.resolve("live-run.png"),
                    ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.quit();
            service.stop();
        }
    }

    /** Reads the page in one script, so that a re-render between reads cannot interfere. */
    private static Object script(WebDriver browser, String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private static long number(WebDriver browser, String script) {
        return script(browser, script) instanceof Number n ? n.longValue() : -1;
    }

    private static List<?> ranks(WebDriver browser) {
        return (List<?>) script(browser, "return Array.from(document.querySelectorAll("
                + "'#workers tr')).map(row => row.cells[0].textContent.trim());");
    }

    private static void awaitStep(HttpClient http, URI base, long step, CohortProcess train)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (System.nanoTime() < deadline) {
            assertTrue(train.process().isAlive(), "the run ended early:\n" + train.output());
            if (step(http, base) >= step) {
                return;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("the run did not reach step " + step + ":\n" + train.output());
    }

    private static long step(HttpClient http, URI base) {
        try {
            HttpResponse<String> run = http.send(HttpRequest.newBuilder(base.resolve("/api/run"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = STEP.matcher(run.body());
            return run.statusCode() == 200 && m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (Exception notYet) {
            return -1;
        }
    }

    private static HttpResponse<String> post(HttpClient http, URI base, String action,
            String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/api/control/" + action))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
