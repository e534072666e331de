package io.cohort.worker.collective;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AtomicBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sums a buffer of float32 values across the ranks of a ring, so that every rank ends with
 * the same, bit-identical total: a ring all-reduce (reduce-scatter, then all-gather) over Aeron.
 *
 * <p>One instance serves one rank of one ring epoch. It owns a publication to the next rank, a
 * subscription for the previous one, and an agent thread that does all the polling; the thread
 * calling {@link #allReduce} only hands over its buffer and waits. After an all-reduce fails
 * (timeout or abort) the ring is spent: close it and form a new ring with a new epoch.
 *
 * <p>All ranks must call {@link #allReduce} with the same steps, in increasing order, and the
 * same count. One thread at a time may call {@link #allReduce}; {@link #abort} and
 * {@link #counters} may be called from any thread.
 */
public final class RingAllReduce implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RingAllReduce.class);
    private static final long CALLER_PARK_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long CALLER_GRACE_NS = TimeUnit.SECONDS.toNanos(10);

    private final RingSpec spec;
    private final CollectiveSettings settings;
    private final int maxValues;
    private final ExclusivePublication publication;
    private final Subscription subscription;
    private final RingCounters counters;
    private final RingAgent agent;
    private final AgentRunner runner;
    private long lastStep = Long.MIN_VALUE;
    private String spentBecause;
    private volatile boolean closed;

    private RingAllReduce(
        final RingSpec spec,
        final CollectiveSettings settings,
        final int maxValues,
        final ExclusivePublication publication,
        final Subscription subscription,
        final RingCounters counters) {
        this.spec = spec;
        this.settings = settings;
        this.maxValues = maxValues;
        this.publication = publication;
        this.subscription = subscription;
        this.counters = counters;
        this.agent = new RingAgent(spec, settings, publication, subscription, counters);
        this.runner = new AgentRunner(settings.newIdleStrategy(), agent::onError, null, agent);
    }

    /**
     * Creates this rank's side of a ring: a publication to the next rank, a subscription for
     * the previous one, counters, and the agent thread. Peers may join later; an all-reduce
     * waits for them within its timeout.
     *
     * @param aeron     a connected Aeron client; it stays the caller's to close.
     * @param spec      the ring and this rank's place in it.
     * @param settings  the collective settings.
     * @param maxValues the most values one all-reduce will sum.
     * @return the ring, ready for {@link #allReduce}.
     * @throws IllegalArgumentException when {@code maxValues} is out of range or a frame does
     *                                  not fit the publication.
     */
    public static RingAllReduce create(
        final Aeron aeron,
        final RingSpec spec,
        final CollectiveSettings settings,
        final int maxValues) {
        Objects.requireNonNull(aeron, "aeron");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(settings, "settings");
        if (maxValues < 0 || maxValues > Integer.MAX_VALUE / Float.BYTES) {
            throw new IllegalArgumentException("maxValues " + maxValues + " must be in 0.."
                + Integer.MAX_VALUE / Float.BYTES);
        }

        ExclusivePublication publication = null;
        Subscription subscription = null;
        RingCounters counters = null;
        try {
            if (spec.worldSize() > 1) {
                final String channel = publicationChannel(spec.next().channel(), settings);
                publication = aeron.addExclusivePublication(channel, spec.next().streamId());
                subscription = aeron.addSubscription(
                    spec.self().channel(), spec.self().streamId());
                checkFrameFits(publication, settings);
            }
            counters = new RingCounters(aeron, spec.epoch(), spec.rank());
            final RingAllReduce ring = new RingAllReduce(
                spec, settings, maxValues, publication, subscription, counters);
            ring.start();
            return ring;
        } catch (final RuntimeException e) {
            CloseHelper.quietCloseAll(publication, subscription, counters);
            throw e;
        }
    }

    /**
     * Sums {@code count} float32 values (native byte order, from offset 0 of {@code values})
     * across the ring, in place. Blocks until every rank's sum has arrived or the all-reduce
     * fails. Allocates nothing.
     *
     * @param step   the caller's step; larger than the step of the last call.
     * @param values the values; on return, the sum over all ranks.
     * @param count  how many values, the same on every rank, at most {@code maxValues}.
     * @throws AllReduceTimeoutException when the ring did not finish within the timeout.
     * @throws AllReduceAbortedException when {@link #abort} was called, or the ring is spent.
     * @throws IllegalArgumentException  when the step, buffer or count does not fit.
     */
    public void allReduce(final long step, final AtomicBuffer values, final int count) {
        checkCall(step, values, count);
        lastStep = step;
        if (spec.worldSize() == 1 || count == 0) {
            return;
        }

        agent.values = values;
        agent.count = count;
        agent.step = step;
        agent.caller = Thread.currentThread();
        agent.state = RingAgent.REQUESTED;

        awaitOutcome(step);
    }

    /**
     * Stops the all-reduce in flight, if any, and spends the ring: the waiting caller gets an
     * {@link AllReduceAbortedException}, and so does every later call. Callable from any
     * thread.
     *
     * @param reason why, for the exception's message.
     */
    public void abort(final String reason) {
        agent.abortReason = reason == null ? "no reason given" : reason;
    }

    /**
     * This rank's counters: frames dropped, bytes sent, all-reduces and their time.
     *
     * @return the counters, live.
     */
    public RingCounters counters() {
        return counters;
    }

    /**
     * The ring this instance serves.
     *
     * @return the ring spec.
     */
    public RingSpec spec() {
        return spec;
    }

    /**
     * Stops the agent thread and closes the publication, subscription and counters. An
     * all-reduce in flight fails as aborted.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (agent.abortReason == null) {
            agent.abortReason = "ring closed";
        }
        CloseHelper.quietClose(runner);
        agent.failIfPending("ring closed");
        CloseHelper.quietCloseAll(publication, subscription, counters);
        LOG.info("ring epoch [{}] rank [{}] closed", spec.epoch(), spec.rank());
    }

    private void start() {
        AgentRunner.startOnThread(runner, task -> {
            final Thread thread = new Thread(task, agent.roleName());
            thread.setDaemon(true);
            return thread;
        });
        LOG.info("ring epoch [{}] rank [{}] of [{}] started: sends to [{}], receives on [{}]",
            spec.epoch(), spec.rank(), spec.worldSize(), spec.next(), spec.self());
    }

    private void checkCall(final long step, final AtomicBuffer values, final int count) {
        if (closed) {
            throw new IllegalStateException(
                "ring epoch " + spec.epoch() + " is closed; form a new ring");
        }
        if (count < 0 || count > maxValues) {
            throw new IllegalArgumentException(
                "count " + count + " must be in 0.." + maxValues + " (the ring's maxValues)");
        }
        if (values.capacity() < (long) count * Float.BYTES) {
            throw new IllegalArgumentException("buffer of " + values.capacity()
                + " bytes is too small for " + count + " float32 values");
        }
        if (step <= lastStep) {
            throw new IllegalArgumentException(
                "step " + step + " must be larger than the previous step " + lastStep);
        }
        final String abortReason = agent.abortReason;
        if (spentBecause != null || abortReason != null) {
            final String because = spentBecause != null ? spentBecause : abortReason;
            throw new AllReduceAbortedException("ring epoch " + spec.epoch() + " rank "
                + spec.rank() + " cannot run step " + step + ": the ring was spent by an "
                + "earlier failure (" + because + "); form a new ring",
                spec.epoch(), step);
        }
    }

    private void awaitOutcome(final long step) {
        final long giveUpNs = System.nanoTime() + settings.timeout().toNanos() + CALLER_GRACE_NS;
        while (true) {
            final int outcome = agent.state;
            if (outcome == RingAgent.DONE) {
                agent.state = RingAgent.IDLE;
                return;
            }
            if (outcome == RingAgent.FAILED) {
                throw failure(step);
            }
            if (System.nanoTime() - giveUpNs > 0) {
                agent.abortReason = "agent thread did not answer";
                spentBecause = agent.abortReason;
                throw new AllReduceTimeoutException("all-reduce of step " + step
                    + " in ring epoch " + spec.epoch() + " got no answer from the agent thread "
                    + "of rank " + spec.rank(), spec.epoch(), step, RingPhase.REDUCE_SCATTER, 0,
                    spec.rank());
            }
            LockSupport.parkNanos(this, CALLER_PARK_NS);
        }
    }

    private AllReduceException failure(final long step) {
        final long epoch = spec.epoch();
        final int n = spec.worldSize();
        final String where = " in ring epoch " + epoch + " at step " + step + ", phase "
            + agent.failedPhase.label() + " (ring step " + (agent.failedRingStep + 1) + " of "
            + (n - 1) + ")";
        final AllReduceException error;
        if (agent.failure == RingAgent.FAILED_TIMEOUT) {
            error = new AllReduceTimeoutException("all-reduce timed out after "
                + settings.timeout().toMillis() + " ms" + where + ": rank " + spec.rank()
                + " was waiting for rank " + agent.failedWaitingFor + " (" + agent.failedDetail
                + ")", epoch, step, agent.failedPhase, agent.failedRingStep,
                agent.failedWaitingFor);
        } else {
            error = new AllReduceAbortedException("all-reduce aborted" + where + " on rank "
                + spec.rank() + ": " + agent.failedDetail, epoch, step);
        }
        spentBecause = error.getMessage();
        LOG.warn("{}", spentBecause);
        return error;
    }

    private static String publicationChannel(
        final String channel, final CollectiveSettings settings) {
        final ChannelUri uri = ChannelUri.parse(channel);
        if (uri.get(CommonContext.TERM_LENGTH_PARAM_NAME) == null) {
            uri.put(CommonContext.TERM_LENGTH_PARAM_NAME,
                Integer.toString(settings.termLengthBytes()));
        }
        if (uri.get(CommonContext.MTU_LENGTH_PARAM_NAME) == null) {
            uri.put(CommonContext.MTU_LENGTH_PARAM_NAME, Integer.toString(settings.mtuBytes()));
        }
        return uri.toString();
    }

    private static void checkFrameFits(
        final ExclusivePublication publication, final CollectiveSettings settings) {
        if (settings.frameBytes() > publication.maxPayloadLength()) {
            throw new IllegalArgumentException("frame-bytes " + settings.frameBytes()
                + " exceeds what one frame of " + publication.channel() + " holds ("
                + publication.maxPayloadLength() + "); lower cohort.collective.frame-bytes");
        }
    }
}
