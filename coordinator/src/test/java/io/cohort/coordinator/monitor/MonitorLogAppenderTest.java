package io.cohort.coordinator.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MonitorLogAppenderTest {

    private static final Logger LOG = LoggerFactory.getLogger("io.cohort.test.Lifecycle");

    @Test
    void shouldForwardInfoAndAboveWhenAttached() {
        RunMonitor monitor = new RunMonitor();
        MonitorLogAppender appender = MonitorLogAppender.attach(monitor);
        try {
            LOG.debug("step [{}] done", 7);
            LOG.info("Worker [{}] joined", 1);
            LOG.warn("Worker [{}] lost", 1);
            LOG.error("Checkpoint failed", new IllegalStateException("disk full"));
        } finally {
            appender.detach();
        }
        LOG.info("after detach");

        List<LogLine> lines = monitor.logs(0).stream()
                .filter(l -> l.logger().equals("io.cohort.test.Lifecycle")).toList();

        assertEquals(List.of("INFO", "WARN", "ERROR"),
                lines.stream().map(LogLine::level).toList());
        assertEquals("Worker [1] joined", lines.get(0).message());
        assertTrue(lines.get(2).message().contains("IllegalStateException: disk full"),
                lines.get(2).message());
    }
}
