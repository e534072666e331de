package io.cohort.coordinator.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cohort.coordinator.monitor.RunMonitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The page in a real headless Chromium, following a run that goes on while it is open. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String SAMPLE = "Dorothy lived in the midst of the great Kansas prairies,"
            + " with Uncle Henry, who was a farmer, and Aunt Em, who was the farmer's wife.";
    private static final String LAST_LOSS_STEP =
            "const x = window.cohortDashboard.charts.loss.data[0]; return x[x.length - 1];";
    private static final String EVAL_POINTS = "return window.cohortDashboard.charts.loss.data[3]"
            + ".filter(v => v !== null && v !== undefined).length;";
    private static final long LONG_RUN_STEPS = 100_000;
    private static final String STEP_TIME_POINTS =
            "return window.cohortDashboard.charts.stepTime.data[1].length;";

    private static ActorSystem<Void> system;
    private static ChromeDriverService service;
    private static WebDriver browser;

    @TempDir
    static Path profile;

    @BeforeAll
    static void startBrowser() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver");
        system = ActorSystem.create(Behaviors.empty(), "dashboard-browser");
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options(profile));
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
            service.stop();
        }
        if (system != null) {
            system.terminate();
        }
    }

    @Test
    void shouldShowLiveChartsWorkersAndSampleWhenRunGoesOnWhileOpen() throws Exception {
        RunMonitor monitor = new RunMonitor();
        KnownRun.feed(monitor, 40);
        monitor.log(Instant.now(), "INFO", "io.cohort.coordinator.Coordinator",
                "Cluster formed with [2] workers");
        try (Dashboard dashboard = Dashboard.start(system, "127.0.0.1", 0, monitor,
                new RecordingControl(), RunToken.generate())) {
            browser.manage().window().setSize(new Dimension(1280, 800));
            browser.get(dashboard.uri().toString());
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            wait.until(b -> number(b, LAST_LOSS_STEP) == 40);
            assertEquals(8, number(browser, EVAL_POINTS));

            KnownRun.feedSteps(monitor, 41, 60);
            monitor.sampleGenerated(60, SAMPLE);
            monitor.checkpointWritten(60, Path.of("runs", KnownRun.NAME, "step-60.ckpt"));
            monitor.log(Instant.now(), "INFO", "io.cohort.coordinator.Coordinator",
                    "Checkpoint written at step [60]");

            wait.until(b -> number(b, LAST_LOSS_STEP) == 60);
            wait.until(b -> text(b, "sample").equals(SAMPLE));
            wait.until(b -> text(b, "log").contains("Checkpoint written at step [60]"));
            assertEquals(12, number(browser, EVAL_POINTS));
            assertEquals(60, number(browser, STEP_TIME_POINTS));
            assertEquals("60", text(browser, "step"));
            assertTrue(text(browser, "checkpoints").contains("step-60.ckpt"));
            assertEquals(List.of("host-0", "host-1"), ((JavascriptExecutor) browser)
                    .executeScript("return Array.from(document.querySelectorAll('#workers tr'))"
                            + ".map(row => row.cells[1].textContent.trim());"));

            screenshot("dashboard.png");
            browser.manage().window().setSize(new Dimension(1280, 1200));
            screenshot("dashboard-full.png");
        }
    }

    @Test
    void shouldHoldABoundedNumberOfPointsWhenRunHas100000Steps() throws Exception {
        RunMonitor monitor = new RunMonitor();
        KnownRun.feed(monitor, 10);
        try (Dashboard dashboard = Dashboard.start(system, "127.0.0.1", 0, monitor,
                new RecordingControl(), RunToken.generate())) {
            browser.manage().window().setSize(new Dimension(1280, 800));
            browser.get(dashboard.uri().toString());
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            wait.until(b -> number(b, LAST_LOSS_STEP) == 10);

            for (long s = 11; s <= LONG_RUN_STEPS; s++) {
                monitor.stepCompleted(KnownRun.step(s));
                if (s % 1000 == 0) {
                    monitor.evaluated(s, KnownRun.loss(s) - 0.05, KnownRun.loss(s) + 0.1);
                }
            }

            wait.until(b -> number(b, LAST_LOSS_STEP) == LONG_RUN_STEPS);
            long points = number(browser, "return window.cohortDashboard.series.step.length;");
            assertTrue(points <= 4000, "the page holds " + points + " points");
            assertEquals(LONG_RUN_STEPS / 1000 + 2, number(browser, EVAL_POINTS));
            screenshot("dashboard-long-run.png");
        }
    }

    @Test
    void shouldSendAControlOnlyWithTheRunTokenWhenAButtonIsClicked() {
        RunMonitor monitor = new RunMonitor();
        KnownRun.feed(monitor, 5);
        RecordingControl control = new RecordingControl();
        String token = RunToken.generate();
        try (Dashboard dashboard = Dashboard.start(system, "127.0.0.1", 0, monitor, control,
                token)) {
            browser.get(dashboard.uri().toString());
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            WebElement input = browser.findElement(By.id("token"));
            WebElement pause = browser.findElement(By.cssSelector("button[data-action=pause]"));

            input.clear();
            input.sendKeys("not-the-token");
            pause.click();
            wait.until(b -> text(b, "control-result").equals("wrong run token"));
            assertEquals(List.of(), control.calls);

            input.clear();
            input.sendKeys(token);
            pause.click();
            wait.until(b -> text(b, "control-result").equals("pause sent"));
            assertEquals(List.of("pause"), control.calls);
            assertEquals(token, ((JavascriptExecutor) browser)
                    .executeScript("return sessionStorage.getItem('cohort.token');"));
        }
    }

    private static ChromeOptions options(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,800", "--user-data-dir=" + profile);
        return options;
    }

    private static long number(WebDriver browser, String script) {
        Object value = ((JavascriptExecutor) browser).executeScript(script);
        return value instanceof Number n ? n.longValue() : -1;
    }

    private static String text(WebDriver browser, String id) {
        Object text = ((JavascriptExecutor) browser).executeScript(
                "const e = document.getElementById(arguments[0]); return e ? e.innerText : '';",
                id);
        return String.valueOf(text).strip();
    }

    private static void screenshot(String name) throws Exception {
        Path folder = Path.of(System.getProperty("basedir", "."), "target",
                "dashboard-screenshots");
        Files.createDirectories(folder);
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(folder.resolve(name), png);
    }
}
