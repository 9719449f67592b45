package io.streamtrain.model;

import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;

/** What every user of a trained network needs beside the network itself: ND4J's backend and the input's shape. */
public final class Networks {

    private Networks() {
    }

    /**
     * Starts ND4J's native backend on a daemon thread and returns at once: loading it takes seconds in a fresh JVM,
     * and a command that will train or score can overlap them with starting Spark. Whoever needs ND4J first waits
     * for the load to finish (class initialisation is locked), never loads it twice.
     */
    public static void startBackend() {
        Thread loader = new Thread(() -> Nd4j.getBackend(), "nd4j-backend");
        loader.setDaemon(true);
        loader.start();
    }

    /**
     * Time steps a trained network reads its input in, or 0 for flat input: lets evaluation shape minibatches the
     * way training did without being told the architecture.
     */
    public static int timeSteps(MultiLayerNetwork network, int inputs) {
        var first = network.getLayerWiseConfigurations().getConf(0).getLayer();
        if (first instanceof LastTimeStep last && last.getUnderlying() instanceof LSTM lstm) {
            return (int) (inputs / lstm.getNIn());
        }
        return 0;
    }
}
