package io.cohort.coordinator.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.coordinator.monitor.Downsampler;
import io.cohort.coordinator.monitor.RunControl;
import io.cohort.coordinator.monitor.RunMonitor;
import io.cohort.coordinator.monitor.RunMonitor.Change;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The dashboard's routes: the page and its assets, the JSON API, the change stream, the
 * controls and the Prometheus endpoint.
 */
final class DashboardRoutes extends AllDirectives {

    /** Points returned by {@code /api/metrics} when the caller gives no {@code max_points}. */
    static final int DEFAULT_MAX_POINTS = 2000;
    /** The most points {@code /api/metrics} returns at once. */
    static final int LIMIT_MAX_POINTS = 100_000;

    private static final String UPLOT_POM =
            "META-INF/maven/org.webjars.npm/uplot/pom.properties";
    private static final int EVENTS_PER_SECOND = 4;
    private static final int EVENT_BUFFER = 64;
    private static final Duration EVENT_KEEP_ALIVE = Duration.ofSeconds(15);

    private final RunMonitor monitor;
    private final RunControl control;
    private final String token;
    private final RunMetrics metrics;
    private final String uplotDirectory;

    DashboardRoutes(RunMonitor monitor, RunControl control, String token) {
        this.monitor = monitor;
        this.control = control;
        this.token = token;
        this.metrics = new RunMetrics(monitor);
        this.uplotDirectory = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist";
    }

    /** Every route of the dashboard. */
    Route routes() {
        return concat(
                pathSingleSlash(() -> get(() ->
                        getFromResource("dashboard/index.html", ContentTypes.TEXT_HTML_UTF8))),
                pathPrefix("assets", () -> get(() -> getFromResourceDirectory("dashboard"))),
                pathPrefix(PathMatchers.segment("vendor").slash("uplot"), () -> get(() ->
                        getFromResourceDirectory(uplotDirectory))),
                path("metrics", () -> get(this::prometheus)),
                pathPrefix("api", this::api));
    }

    private Route api() {
        return concat(
                path("run", () -> get(() -> json(DashboardJson.run(monitor.run())))),
                path("workers", () -> get(() ->
                        json(DashboardJson.workers(monitor.workers(), monitor.now())))),
                path("metrics", () -> get(this::stepMetrics)),
                path("logs", () -> get(this::logs)),
                path("events", () -> get(this::events)),
                path(PathMatchers.segment("control").slash(PathMatchers.segment()), action ->
                        post(() -> control(action))));
    }

    private Route stepMetrics() {
        return parameterOptional("since", since -> parameterOptional("max_points", max -> {
            long sinceStep;
            int maxPoints;
            try {
                sinceStep = since.map(Long::parseLong).orElse(-1L);
            } catch (NumberFormatException e) {
                return badRequest("since must be a step number but was '" + since.get() + "'");
            }
            try {
                maxPoints = max.map(Integer::parseInt).orElse(DEFAULT_MAX_POINTS);
            } catch (NumberFormatException e) {
                maxPoints = -1;
            }
            if (maxPoints < Downsampler.MIN_POINTS || maxPoints > LIMIT_MAX_POINTS) {
                return badRequest("max_points must be between " + Downsampler.MIN_POINTS
                        + " and " + LIMIT_MAX_POINTS + " but was '" + max.orElse("") + "'");
            }
            return json(DashboardJson.metrics(monitor.metrics(sinceStep, maxPoints)));
        }));
    }

    private Route logs() {
        return parameterOptional("after", after -> {
            long sequence;
            try {
                sequence = after.map(Long::parseLong).orElse(0L);
            } catch (NumberFormatException e) {
                return badRequest(
                        "after must be a log sequence number but was '" + after.get() + "'");
            }
            return json(DashboardJson.logs(monitor.logs(sequence)));
        });
    }

    /**
     * A stream of server-sent events named {@code changed}, each listing the parts of the run
     * that changed since the last one; changes are merged so that a busy run sends at most a
     * few events a second.
     */
    private Route events() {
        Source<ServerSentEvent, NotUsed> events = Source.<Set<Change>>queue(EVENT_BUFFER)
                .mapMaterializedValue(queue -> monitor.subscribe(queue::offer))
                .watchTermination((subscription, done) -> {
                    done.whenComplete((ignored, error) -> closeQuietly(subscription));
                    return NotUsed.getInstance();
                })
                .conflateWithSeed(changes -> (Set<Change>) EnumSet.copyOf(changes),
                        (merged, changes) -> {
                            merged.addAll(changes);
                            return merged;
                        })
                .throttle(EVENTS_PER_SECOND, Duration.ofSeconds(1))
                .map(changes -> ServerSentEvent.create(DashboardJson.changes(changes), "changed"))
                .keepAlive(EVENT_KEEP_ALIVE, ServerSentEvent::heartbeat);
        return completeOK(events, EventStreamMarshalling.toEventStream());
    }

    private Route control(String action) {
        if (!List.of("pause", "resume", "checkpoint", "stop").contains(action)) {
            return json(StatusCodes.NOT_FOUND, DashboardJson.error("unknown control '" + action
                    + "'; the controls are pause, resume, checkpoint and stop"));
        }
        return optionalHeaderValueByName("Authorization", header ->
                parameterOptional("token", query -> {
                    Optional<String> offered = bearer(header).or(() -> query);
                    if (offered.isPresent()) {
                        return act(action, offered.get());
                    }
                    return formFieldOptional("token", form -> act(action, form.orElse(null)));
                }));
    }

    private Route act(String action, String offered) {
        if (control == null || token == null) {
            return json(StatusCodes.FORBIDDEN, DashboardJson.error(
                    "this run takes no controls from the dashboard"));
        }
        if (!RunToken.matches(token, offered)) {
            return complete(HttpResponse.create()
                    .withStatus(StatusCodes.UNAUTHORIZED)
                    .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"cohort\""))
                    .withEntity(ContentTypes.APPLICATION_JSON, DashboardJson.error(offered == null
                            ? "controls need the run's token" : "wrong run token").toString()));
        }
        switch (action) {
            case "pause" -> control.pause();
            case "resume" -> control.resume();
            case "checkpoint" -> control.checkpointNow();
            default -> control.stop();
        }
        return json(DashboardJson.MAPPER.createObjectNode().put("ok", true).put("action", action));
    }

    private Route prometheus() {
        return complete(HttpResponse.create()
                .addHeader(noStore())
                .withEntity(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape()));
    }

    private Route badRequest(String message) {
        return json(StatusCodes.BAD_REQUEST, DashboardJson.error(message));
    }

    private Route json(JsonNode body) {
        return json(StatusCodes.OK, body);
    }

    private Route json(StatusCode status, JsonNode body) {
        return complete(HttpResponse.create()
                .withStatus(status)
                .addHeader(noStore())
                .withEntity(ContentTypes.APPLICATION_JSON, body.toString()));
    }

    private static HttpHeader noStore() {
        return CacheControl.create(CacheDirectives.NO_STORE);
    }

    private static Optional<String> bearer(Optional<String> authorization) {
        return authorization
                .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(value -> value.substring(7).strip());
    }

    private static void closeQuietly(AutoCloseable subscription) {
        try {
            subscription.close();
        } catch (Exception e) {
            // Unsubscribing only removes a listener from a list; nothing to report.
        }
    }

    private static String uplotVersion() {
        try (InputStream in = DashboardRoutes.class.getClassLoader()
                .getResourceAsStream(UPLOT_POM)) {
            if (in == null) {
                throw new IllegalStateException("the uPlot WebJar is not on the class path ("
                        + UPLOT_POM + " is missing); the dashboard's charts need it");
            }
            Properties pom = new Properties();
            pom.load(in);
            return pom.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + UPLOT_POM + ": " + e, e);
        }
    }
}
