package io.cohort.worker;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cohort.proto.ToCoordinatorEnvelope;
import io.cohort.proto.ToWorkerEnvelope;
import java.io.NotSerializableException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Serializes the messages that cross between the coordinator's and the workers' JVMs as
 * Protobuf envelopes. Actor references travel as Pekko's serialization strings.
 */
public final class CohortSerializer extends SerializerWithStringManifest {

    private static final String TO_WORKER = "W";
    private static final String TO_COORDINATOR = "C";

    private final ActorRefResolver resolver;

    public CohortSerializer(ExtendedActorSystem system) {
        this.resolver = ActorRefResolver.get(Adapter.toTyped(system));
    }

    @Override
    public int identifier() {
        return 0x0C0A0001;
    }

    @Override
    public String manifest(Object message) {
        if (message instanceof Worker.FromCoordinator) {
            return TO_WORKER;
        }
        if (message instanceof CoordinatorCommand.FromWorker) {
            return TO_COORDINATOR;
        }
        throw new IllegalArgumentException("cannot serialize " + message.getClass().getName());
    }

    @Override
    public byte[] toBinary(Object message) {
        if (message instanceof Worker.FromCoordinator toWorker) {
            return ToWorkerEnvelope.newBuilder()
                    .setCoordinator(resolver.toSerializationFormat(toWorker.coordinator()))
                    .setCommand(toWorker.command())
                    .build()
                    .toByteArray();
        }
        if (message instanceof CoordinatorCommand.FromWorker fromWorker) {
            return ToCoordinatorEnvelope.newBuilder()
                    .setWorker(resolver.toSerializationFormat(fromWorker.worker()))
                    .setEvent(fromWorker.event())
                    .build()
                    .toByteArray();
        }
        throw new IllegalArgumentException("cannot serialize " + message.getClass().getName());
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        try {
            switch (manifest) {
                case TO_WORKER: {
                    ToWorkerEnvelope envelope = ToWorkerEnvelope.parseFrom(bytes);
                    ActorRef<CoordinatorCommand> coordinator =
                            resolver.resolveActorRef(envelope.getCoordinator());
                    return new Worker.FromCoordinator(envelope.getCommand(), coordinator);
                }
                case TO_COORDINATOR: {
                    ToCoordinatorEnvelope envelope = ToCoordinatorEnvelope.parseFrom(bytes);
                    ActorRef<Worker.Command> worker =
                            resolver.resolveActorRef(envelope.getWorker());
                    return new CoordinatorCommand.FromWorker(envelope.getEvent(), worker);
                }
                default:
                    throw new NotSerializableException(
                            "unknown Cohort manifest '" + manifest + "'");
            }
        } catch (InvalidProtocolBufferException e) {
            throw new NotSerializableException("malformed Cohort message: " + e.getMessage());
        }
    }
}
