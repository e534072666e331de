package io.cohort.worker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Locale;

/**
 * The Pekko settings of a Cohort node: cluster provider, Artery over TCP on the given address,
 * Protobuf serialization of Cohort's messages, Java serialization off. The user's settings
 * ({@code cohort.*} and any {@code pekko.*} override) are laid over these.
 */
public final class ClusterConfig {

    /** Every Cohort node belongs to the actor system of this name. */
    public static final String SYSTEM_NAME = "cohort";

    private ClusterConfig() {
    }

    /**
     * Settings of a node that listens on {@code host:port} (port 0: any free port) and joins
     * the cluster whose first node is {@code seedHost:seedPort} (itself, for the coordinator).
     */
    public static Config node(Config user, String role, String host, int port, String seedHost,
            int seedPort) {
        String seed = String.format(Locale.ROOT, "pekko://%s@%s:%d", SYSTEM_NAME, seedHost,
                seedPort);
        Config node = ConfigFactory.parseString(String.join("\n",
                "pekko.remote.artery.canonical.hostname = \"" + host + "\"",
                "pekko.remote.artery.canonical.port = " + port,
                "pekko.cluster.roles = [\"" + role + "\"]",
                "pekko.cluster.seed-nodes = [\"" + seed + "\"]"));
        return node.withFallback(base(user));
    }

    /** A coordinator is its own seed: it forms the cluster and workers join it. */
    public static Config coordinator(Config user, String host, int port) {
        Config node = ConfigFactory.parseString(String.join("\n",
                "pekko.remote.artery.canonical.hostname = \"" + host + "\"",
                "pekko.remote.artery.canonical.port = " + port,
                "pekko.cluster.roles = [\"coordinator\"]"));
        return node.withFallback(base(user));
    }

    /**
     * Cohort's settings: {@code user} over the training defaults over every module's
     * {@code reference.conf}, resolved.
     */
    public static Config settings(Config user) {
        return user.withFallback(ConfigFactory.parseResources(ClusterConfig.class,
                        "/cohort-train.conf"))
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    /** Cohort's Pekko settings win over Pekko's defaults, which {@code user} may hold. */
    private static Config base(Config user) {
        return ConfigFactory.parseResources(ClusterConfig.class, "/cohort-pekko.conf")
                .withFallback(settings(user))
                .resolve();
    }
}
