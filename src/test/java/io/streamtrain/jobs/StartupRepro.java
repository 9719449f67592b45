package io.streamtrain.jobs;

import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Sessions;
import io.streamtrain.core.SparkSettings;
import io.streamtrain.model.Networks;
import io.streamtrain.testing.LocalRuns;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;

/**
 * The start-up of a command that trains or evaluates, then exit: Hadoop's file system first (a stage's plan), then
 * ND4J's native backend on its own thread ({@link Networks#startBackend}) beside the Spark session, the one moment two
 * threads load native libraries and initialise classes at once. The argument shifts them against each other: a
 * positive offset starts the backend that many milliseconds before Spark, a negative one after.
 */
public final class StartupRepro {

    private StartupRepro() {
    }

    public static void main(String[] args) throws InterruptedException {
        long offset = Long.parseLong(args[0]);
        SparkSettings settings = SparkSettings.from(ConfigLoader.load(Path.of(LocalRuns.LOCAL), List.of()));
        new HadoopFiles(new org.apache.hadoop.conf.Configuration()).exists(Path.of("").toAbsolutePath().toString());
        if (offset >= 0) {
            Networks.startBackend();
            Thread.sleep(offset);
        } else {
            Thread later = new Thread(() -> {
                try {
                    Thread.sleep(-offset);
                    Networks.startBackend();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "backend-later");
            later.start();
        }
        SparkSession spark = Sessions.create(settings);
        Nd4j.zeros(2);
        spark.stop();
        System.exit(0);
    }
}
