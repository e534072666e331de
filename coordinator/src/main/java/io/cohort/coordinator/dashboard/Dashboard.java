package io.cohort.coordinator.dashboard;

import io.cohort.coordinator.monitor.RunControl;
import io.cohort.coordinator.monitor.RunMonitor;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's web dashboard, served over HTTP from the coordinator's actor system: the page at
 * {@code /}, the JSON API under {@code /api}, and Prometheus metrics at {@code /metrics}.
 * Closing it unbinds the port and ends open connections.
 */
public final class Dashboard implements AutoCloseable {

    /** The host the dashboard binds to unless told otherwise. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The port the dashboard binds to unless told otherwise. */
    public static final int DEFAULT_PORT = 8080;

    private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);

    private final ServerBinding binding;

    private Dashboard(ServerBinding binding) {
        this.binding = binding;
    }

    /**
     * Serves the dashboard of {@code monitor} on {@code host:port}; port 0 takes a free port.
     *
     * @param control  what the page's controls act on; null for a dashboard without controls
     * @param token    the secret the controls require, from {@link RunToken#generate()}
     * @throws DashboardException whose message is one line, when the address cannot be bound
     *     (such as a port already in use)
     */
    public static Dashboard start(ActorSystem<?> system, String host, int port,
            RunMonitor monitor, RunControl control, String token) {
        DashboardRoutes routes = new DashboardRoutes(monitor, control, token);
        checkFree(host, port);
        try {
            ServerBinding binding = Http.get(system).newServerAt(host, port)
                    .bind(routes.routes())
                    .toCompletableFuture()
                    .get(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Dashboard dashboard = new Dashboard(binding);
            LOG.info("Dashboard at [{}]", dashboard.uri());
            return dashboard;
        } catch (ExecutionException e) {
            throw bindFailure(host, port, e.getCause());
        } catch (TimeoutException e) {
            throw new DashboardException("dashboard " + host + ":" + port + " was not bound within "
                    + BIND_TIMEOUT.toSeconds() + " s; pass --no-dashboard to run without it", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DashboardException("interrupted while binding the dashboard to " + host
                    + ":" + port, e);
        }
    }

    /** The address the dashboard is bound to. */
    public InetSocketAddress address() {
        return binding.localAddress();
    }

    /** The page's address, such as {@code http://127.0.0.1:8080/}. */
    public URI uri() {
        InetSocketAddress address = address();
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + address.getPort() + "/");
    }

    /** Unbinds the port and ends the connections still open. */
    @Override
    public void close() {
        try {
            binding.terminate(CLOSE_TIMEOUT).toCompletableFuture()
                    .get(CLOSE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Dashboard at [{}] did not close cleanly: {}", uri(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Fails at once when the port is taken: Pekko would log the bind failure with a stack trace
     * before the one line that tells the user what to do.
     */
    private static void checkFree(String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw bindFailure(host, port, e);
        }
    }

    private static DashboardException bindFailure(String host, int port, Throwable cause) {
        String address = host + ":" + port;
        if (isAddressInUse(cause)) {
            return new DashboardException("dashboard port " + address + " is already in use; "
                    + "pass --dashboard HOST:PORT with a free port or --no-dashboard", cause);
        }
        return new DashboardException("cannot serve the dashboard on " + address + " ("
                + rootMessage(cause) + "); pass --dashboard HOST:PORT with an address of this "
                + "machine or --no-dashboard", cause);
    }

    private static boolean isAddressInUse(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            boolean bindError = t instanceof BindException
                    || t.getClass().getSimpleName().contains("Bind");
            if (bindError && String.valueOf(t.getMessage()).contains("in use")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
