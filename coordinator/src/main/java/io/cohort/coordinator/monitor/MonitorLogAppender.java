package io.cohort.coordinator.monitor;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.LoggerFactory;

/**
 * A Logback appender that forwards events at INFO and above to a {@link RunMonitor}, so that the
 * dashboard shows the run's lifecycle (cluster formed, worker joined or lost, checkpoint
 * written) and its errors.
 */
public final class MonitorLogAppender extends AppenderBase<ILoggingEvent> {

    private final RunMonitor monitor;
    private Logger attachedTo;

    /** An appender, not yet attached, that forwards to {@code monitor}. */
    public MonitorLogAppender(RunMonitor monitor) {
        this.monitor = Objects.requireNonNull(monitor, "monitor");
        setName("cohort-run-monitor");
    }

    /**
     * Attaches a started appender to the root logger of the Logback context that SLF4J is bound
     * to.
     *
     * @throws IllegalStateException when SLF4J is not bound to Logback
     */
    public static MonitorLogAppender attach(RunMonitor monitor) {
        return attach(monitor, org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** Attaches a started appender to the logger named {@code loggerName} and its children. */
    public static MonitorLogAppender attach(RunMonitor monitor, String loggerName) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new IllegalStateException("SLF4J is bound to "
                    + LoggerFactory.getILoggerFactory().getClass().getName()
                    + ", not Logback; the dashboard's log needs Logback");
        }
        MonitorLogAppender appender = new MonitorLogAppender(monitor);
        appender.setContext(context);
        appender.start();
        appender.attachedTo = context.getLogger(loggerName);
        appender.attachedTo.addAppender(appender);
        return appender;
    }

    /** Detaches this appender from the logger it was attached to, and stops it. */
    public void detach() {
        if (attachedTo != null) {
            attachedTo.detachAppender(this);
            attachedTo = null;
        }
        stop();
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!event.getLevel().isGreaterOrEqual(Level.INFO)) {
            return;
        }
        monitor.log(Instant.ofEpochMilli(event.getTimeStamp()), event.getLevel().toString(),
                event.getLoggerName(), message(event));
    }

    private static String message(ILoggingEvent event) {
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown == null) {
            return event.getFormattedMessage();
        }
        return event.getFormattedMessage() + ": " + thrown.getClassName() + ": "
                + thrown.getMessage();
    }
}
