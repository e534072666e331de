/**
 * The collective: a ring all-reduce of float32 buffers over Aeron, which knows nothing about
 * models or actors.
 *
 * <p>{@link io.cohort.worker.collective.MediaDrivers} starts the one media driver of a host and
 * connects clients to it; a {@link io.cohort.worker.collective.RingSpec} says where each rank
 * of a ring epoch receives; {@link io.cohort.worker.collective.RingAllReduce} is one rank of
 * that ring; {@link io.cohort.worker.collective.CollectiveSettings} holds the
 * {@code cohort.collective} settings; {@link io.cohort.worker.collective.AllReduceBenchmark}
 * measures it all with one process per rank.
 */
package io.cohort.worker.collective;
