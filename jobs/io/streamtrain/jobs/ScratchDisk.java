package io.streamtrain.jobs;

import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The disk Spark uses outside the warehouse: shuffle files and cached blocks that did not fit in memory, under
 * {@code spark.local.dir}. Sampled every two seconds for its peak; Spark deletes it when the session stops. On a
 * cluster every executor has its own on its host; this sees the driver's, which in local mode is all of it.
 */
public final class ScratchDisk implements AutoCloseable {

    private final List<File> dirs;
    private final AtomicLong peak = new AtomicLong();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "scratch-disk");
        t.setDaemon(true);
        return t;
    });

    private ScratchDisk(List<File> dirs) {
        this.dirs = dirs;
        sampler.scheduleWithFixedDelay(this::sample, 2, 2, TimeUnit.SECONDS);
    }

    /** Starts watching the local directories of {@code spark}'s block manager in this JVM. */
    public static ScratchDisk watch(SparkSession spark) {
        return new ScratchDisk(List.of(SparkEnv.get().blockManager().diskBlockManager().localDirs()));
    }

    /** Bytes under the local directories now. */
    public long bytes() {
        long total = 0;
        List<File> pending = new ArrayList<>(dirs);
        while (!pending.isEmpty()) {
            File f = pending.remove(pending.size() - 1);
            File[] children = f.listFiles();
            if (children == null) {
                total += f.length();
            } else {
                pending.addAll(List.of(children));
            }
        }
        return total;
    }

    /** The largest size seen since the last {@link #resetPeak}, this moment included. */
    public long peak() {
        sample();
        return peak.get();
    }

    /** Starts a new peak from the current size: at the start of a stage. */
    public void resetPeak() {
        peak.set(bytes());
    }

    /** Where the scratch data lives, for the log. */
    public String where() {
        return dirs.size() == 1 ? dirs.get(0).getPath() : dirs.toString();
    }

    private void sample() {
        peak.accumulateAndGet(bytes(), Math::max);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
