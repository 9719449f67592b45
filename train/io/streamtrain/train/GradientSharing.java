package io.streamtrain.train;

import io.streamtrain.core.ConfigException;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.repartitioner.NoOpRepartitioner;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.enums.MeshBuildMode;
import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Builds dl4j-spark's {@link SharedTrainingMaster} (gradient sharing over Aeron UDP) with the settings that work in
 * DL4J 1.0.0-M2.
 */
final class GradientSharing {

    /**
     * DL4J sets Aeron's client liveness timeout to 30 s, but Aeron 1.32's default publication unblock timeout is 15 s,
     * and its media driver refuses to start unless the latter is longer (deeplearning4j#9677). Executors of a cluster
     * need the same in {@code spark.executor.extraJavaOptions}; see conf/cluster.conf.
     */
    static final String UNBLOCK_TIMEOUT = "aeron.publication.unblock.timeout";
    private static final String UNBLOCK_NANOS = "60000000000";

    private GradientSharing() {
    }

    /** Without it, every training leaves its media driver's folder (8 MB) in /dev/shm. */
    static final String DELETE_ON_SHUTDOWN = "aeron.dir.delete.on.shutdown";

    /** Sets the JVM-wide Aeron properties the parameter server needs, unless the user set them. */
    private static void prepareJvm() {
        if (System.getProperty(UNBLOCK_TIMEOUT) == null) {
            System.setProperty(UNBLOCK_TIMEOUT, UNBLOCK_NANOS);
        }
        if (System.getProperty(DELETE_ON_SHUTDOWN) == null) {
            System.setProperty(DELETE_ON_SHUTDOWN, "true");
        }
    }

    /**
     * Stops this JVM's parameter server (a JVM-wide singleton in DL4J) and its Aeron threads, which otherwise keep
     * polling, a good part of a core, until the JVM exits; the next gradient-sharing training starts it again.
     */
    static void stopParameterServer() {
        ModelParameterServer.getInstance().shutdown();
    }

    /** Refuses a controller that the executors cannot reach: unknown, or loopback outside local mode. */
    static void checkController(TrainSettings settings, boolean localMode) {
        Distribution.Sharing sharing = settings.distribution().sharing();
        if (isLoopback(sharing.controller()) && !localMode) {
            throw new ConfigException(Distribution.Sharing.CONTROLLER, sharing.controller(), "is a loopback "
                    + "address, which executors on other machines cannot reach: set the driver's address");
        }
    }

    /** Whether {@code host} names this machine only (localhost, 127.x.x.x, ::1). */
    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException(Distribution.Sharing.CONTROLLER, host, "is not a known host name or address");
        }
    }

    /**
     * A master that trains each partition of an {@code RDD<DataSet>} as it is (one DataSet is one minibatch), without
     * repartitioning or persisting it again: the caller hands over one cached partition per task slot. Refuses a
     * loopback controller outside local mode, and sets this JVM's Aeron properties.
     */
    static SharedTrainingMaster master(TrainSettings settings, boolean localMode) {
        checkController(settings, localMode);
        Distribution.Sharing sharing = settings.distribution().sharing();
        prepareJvm();
        VoidConfiguration network = VoidConfiguration.builder()
                .controllerAddress(sharing.controller())
                .meshBuildMode(MeshBuildMode.PLAIN)
                .build();
        // Not DL4J's StaticPortSupplier: its constructor ignores the port it is given and keeps 49876 (M2).
        network.setPortSupplier(new FixedPort(sharing.port()));
        if (!sharing.networkMask().isEmpty()) {
            network.setNetworkMask(sharing.networkMask());
        }
        return new SharedTrainingMaster.Builder(network, settings.batchSize())
                .batchSizePerWorker(settings.batchSize())
                .thresholdAlgorithm(new AdaptiveThresholdAlgorithm(sharing.threshold()))
                // One trainer per executor JVM, with OMP_NUM_THREADS native threads. With more trainers,
                // DL4J's ParallelWrapper deadlocks now and then at the start of an epoch: one trainer waits in
                // EncodedGradientsAccumulator.synchronize for the others while holding a lock they need.
                .workersPerNode(1)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartitionData(Repartition.Never)
                .repartitioner(new NoOpRepartitioner())
                .storageLevel(null)
                .workerPrefetchNumBatches(2)
                .rngSeed(settings.seed())
                .collectTrainingStats(false)
                .build();
    }

    /** The UDP port of the parameter server and of every worker; a class, as Spark's Kryo cannot write records. */
    private static final class FixedPort implements PortSupplier {
        private final int port;

        FixedPort(int port) {
            this.port = port;
        }

        @Override
        public int getPort() {
            return port;
        }
    }
}
