package io.cohort.worker;

import io.cohort.proto.CoordinatorEvent;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The messages the coordinator accepts. They are declared beside the worker because workers
 * send them; the coordinator adds its own private messages to this type.
 */
public interface CoordinatorCommand {

    /** Something a worker reports, with the worker's address for the reply. */
    record FromWorker(CoordinatorEvent event, ActorRef<Worker.Command> worker)
            implements CoordinatorCommand {
    }
}
