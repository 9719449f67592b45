package io.streamtrain.testing;

import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;

/**
 * An injected start-up stall: Spark builds its extra listeners while the SparkContext starts, and this one never
 * returns from its constructor. With {@code spark.streamtrain.test.block-shutdown=true} it also registers a shutdown
 * hook that never returns, as a library's stuck hook would.
 */
public final class StallingListener extends SparkListener {

    public StallingListener(SparkConf conf) {
        if (conf.getBoolean("spark.streamtrain.test.block-shutdown", false)) {
            Runtime.getRuntime().addShutdownHook(new Thread(StallingListener::sleepForever, "stuck-shutdown-hook"));
        }
        sleepForever();
    }

    private static void sleepForever() {
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // A stall does not end when interrupted.
            }
        }
    }
}
