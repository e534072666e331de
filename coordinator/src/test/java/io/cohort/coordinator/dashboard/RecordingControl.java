package io.cohort.coordinator.dashboard;

import io.cohort.coordinator.monitor.RunControl;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link RunControl} that records which controls reached it, in order. */
final class RecordingControl implements RunControl {

    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void pause() {
        calls.add("pause");
    }

    @Override
    public void resume() {
        calls.add("resume");
    }

    @Override
    public void checkpointNow() {
        calls.add("checkpoint");
    }

    @Override
    public void stop() {
        calls.add("stop");
    }
}
