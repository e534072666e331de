package io.cohort.coordinator.cli;

/** A {@code HOST:PORT} pair from the command line. */
record HostPort(String host, int port) {

    static HostPort parse(String option, String value) {
        int colon = value == null ? -1 : value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException(option + " must be HOST:PORT, got '" + value + "'");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " port must be a number, got '"
                    + value.substring(colon + 1) + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + " port must be in [0, 65535], got "
                    + port);
        }
        return new HostPort(value.substring(0, colon), port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
