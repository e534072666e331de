package io.cohort.coordinator.dashboard;

/**
 * Where the dashboard listens, as given on the command line with {@code --dashboard HOST:PORT}.
 *
 * @param host  a host name or address of this machine; {@code [::1]} style for IPv6
 * @param port  0 to 65535; 0 takes a free port
 */
public record DashboardAddress(String host, int port) {

    /** The default: {@code 127.0.0.1:8080}, reachable from this machine only. */
    public static final DashboardAddress DEFAULT =
            new DashboardAddress(Dashboard.DEFAULT_HOST, Dashboard.DEFAULT_PORT);

    private static final int MAX_PORT = 65_535;

    /** Checks the port's range and that the host is given. */
    public DashboardAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the dashboard's host must not be empty");
        }
        if (port < 0 || port > MAX_PORT) {
            throw new IllegalArgumentException(
                    "the dashboard's port must be 0 to " + MAX_PORT + " but was " + port);
        }
    }

    /**
     * Parses {@code HOST:PORT}, such as {@code 0.0.0.0:8080} or {@code [::1]:8080}.
     *
     * @throws IllegalArgumentException whose message names the bad value and the form expected
     */
    public static DashboardAddress parse(String text) {
        String value = text == null ? "" : text.strip();
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw bad(value);
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw bad(value);
        }
        if (port < 0 || port > MAX_PORT || host.isBlank()) {
            throw bad(value);
        }
        return new DashboardAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static IllegalArgumentException bad(String value) {
        return new IllegalArgumentException("--dashboard must be HOST:PORT with a port from 0 to "
                + MAX_PORT + ", such as 127.0.0.1:8080, but was '" + value + "'");
    }
}
