package io.cohort.coordinator;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C and SIGTERM while a run trains: the first asks the coordinator to stop after the step
 * in flight, with a checkpoint, and lets the run end in order; a second one ends the process at
 * once. Handling the signals, rather than a shutdown hook, keeps the JVM (and with it the
 * cluster and the media driver) fully alive while the run winds down.
 */
@SuppressWarnings("restriction")
final class Interrupts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Interrupts.class);
    private static final int INTERRUPTED_EXIT_CODE = 130;
    private static final String[] SIGNALS = {"INT", "TERM"};

    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];
    private volatile boolean stopping;

    private Interrupts() {
    }

    /** Handles the signals until {@link #close()}, telling {@code stop} the first time. */
    static Interrupts install(Consumer<String> stop) {
        Interrupts interrupts = new Interrupts();
        for (int i = 0; i < SIGNALS.length; i++) {
            String name = SIGNALS[i];
            interrupts.previous[i] = Signal.handle(new Signal(name), signal -> {
                if (interrupts.stopping) {
                    LOG.warn("Second SIG{}: ending now", name);
                    Runtime.getRuntime().halt(INTERRUPTED_EXIT_CODE);
                }
                interrupts.stopping = true;
                LOG.info("SIG{}: stopping after the step in flight (again to end at once)", name);
                stop.accept("interrupted by SIG" + name);
            });
        }
        return interrupts;
    }

    @Override
    public void close() {
        for (int i = 0; i < SIGNALS.length; i++) {
            Signal.handle(new Signal(SIGNALS[i]), previous[i]);
        }
    }
}
