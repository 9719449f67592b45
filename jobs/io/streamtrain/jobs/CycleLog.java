package io.streamtrain.jobs;

import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;

/**
 * Which retraining cycle {@code streamtrain continuous} is in: one small file, {@code _continuous/cycle}, holding
 * {@code started <run-id>} from before the cycle's first stage until it ends, then {@code finished <run-id>}. After a
 * crash the next start finds a cycle still {@code started} and does it again under the same run id.
 */
final class CycleLog {

    private static final String FILE = "continuous/cycle";
    private static final String STARTED = "started ";
    private static final String FINISHED = "finished ";

    private CycleLog() {
    }

    static void started(HadoopFiles files, Warehouse warehouse, String runId) {
        files.writeString(warehouse.internal(FILE), STARTED + runId + "\n");
    }

    static void finished(HadoopFiles files, Warehouse warehouse, String runId) {
        files.writeString(warehouse.internal(FILE), FINISHED + runId + "\n");
    }

    /** The run id of a cycle that started and never finished, or null. */
    static String unfinished(HadoopFiles files, Warehouse warehouse) {
        String path = warehouse.internal(FILE);
        if (!files.exists(path)) {
            return null;
        }
        String line = files.readString(path).trim();
        return line.startsWith(STARTED) ? line.substring(STARTED.length()) : null;
    }
}
