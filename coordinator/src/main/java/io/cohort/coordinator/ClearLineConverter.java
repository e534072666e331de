package io.cohort.coordinator;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Starts a console log line by erasing the progress bar's line while a bar is drawn, so that
 * log lines and the bar never share a line on the terminal; the bar redraws itself below.
 */
public final class ClearLineConverter extends ClassicConverter {

    private static final String RETURN_AND_ERASE = "\r\u001b[K";

    @Override
    public String convert(ILoggingEvent event) {
        return ConsoleProgress.barShown() ? RETURN_AND_ERASE : "";
    }
}
