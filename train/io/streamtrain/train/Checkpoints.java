package io.streamtrain.train;

import io.streamtrain.core.UserException;
import io.streamtrain.model.Lineage;
import io.streamtrain.model.ModelBundle;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.Warehouse;
import io.streamtrain.model.Scaler;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * A checkpoint after every epoch under {@code models/<run-id>/checkpoint/}: {@code epoch-N/model.zip} (parameters and
 * updater state), {@code epoch-N/best-params.bin}, {@code epoch-N/average-params.bin} (weight averaging), and
 * {@code state.json}, written last, which names the epoch and so commits it. A crash mid-write leaves the previous
 * checkpoint in force. {@code lineage.json} and {@code scaler.json}, written before the first epoch, pin the run's
 * data and its scaling: the warm-start parent, the landing batches it trains on and the scaler it began with, which a
 * resumed run keeps even when preprocess has fitted a newer one since.
 */
public final class Checkpoints {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATE = "state.json";

    private final HadoopFiles files;
    private final String dir;

    /** What {@code state.json} holds. */
    record Saved(int completedEpochs, Double bestAccuracy, int sinceBest, boolean hasBest, List<EpochStats> history,
                 int averagedEpochs) {
    }

    /**
     * A network and the state to continue it from.
     *
     * @param lineage the data the interrupted run trained on, as {@link #begin} recorded it
     * @param scaler  the scaling the interrupted run began with
     */
    public record Resumed(MultiLayerNetwork network, TrainingState state, Lineage lineage, Scaler scaler) {
    }

    public Checkpoints(HadoopFiles files, String dir) {
        this.files = files;
        this.dir = dir;
    }

    /**
     * Records, before the first epoch, which data the run trains on and how it scales it, so that a resumed run trains
     * on the same data scaled the same way.
     */
    public void begin(Lineage lineage, Scaler scaler) {
        files.writeString(dir + "/" + ModelBundle.SCALER, scaler.toJson());
        files.writeString(dir + "/" + Lineage.FILE, lineage.toJson());
    }

    public void save(MultiLayerNetwork network, TrainingState state) {
        int epoch = state.completedEpochs();
        String epochDir = dir + "/epoch-" + epoch;
        files.writeBytes(epochDir + "/model.zip", ModelBundle.serialize(network));
        if (state.bestParams() != null) {
            files.writeBytes(epochDir + "/best-params.bin", toBytes(state.bestParams()));
        }
        if (state.averageParams() != null) {
            files.writeBytes(epochDir + "/average-params.bin", toBytes(state.averageParams()));
        }
        Double best = Double.isInfinite(state.bestAccuracy()) ? null : state.bestAccuracy();
        try {
            files.writeString(dir + "/" + STATE, JSON.writeValueAsString(new Saved(epoch, best, state.sinceBest(),
                    state.bestParams() != null, state.history(), state.averagedEpochs())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (epoch > 1) {
            files.deleteRecursively(dir + "/epoch-" + (epoch - 1));
        }
    }

    /** Whether a checkpoint was committed here (without reading it). */
    public boolean exists() {
        return files.exists(dir + "/" + STATE);
    }

    /** The folder of run {@code runId}'s checkpoints. */
    public static String dir(Warehouse warehouse, String runId) {
        return warehouse.model(runId) + "/checkpoint";
    }

    /** The last committed checkpoint, if any. */
    public Optional<Resumed> load() {
        if (!exists()) {
            return Optional.empty();
        }
        try {
            if (!files.exists(dir + "/" + Lineage.FILE)) {
                throw new IllegalStateException("The checkpoint in " + dir + " has no " + Lineage.FILE
                        + " (it predates resumable lineage): train the run afresh without --resume");
            }
            if (!files.exists(dir + "/" + ModelBundle.SCALER)) {
                throw new UserException("The checkpoint in " + dir + " has no "
                        + ModelBundle.SCALER + " (it predates versioned scalers): train the run afresh without"
                        + " --resume");
            }
            Lineage lineage = Lineage.fromJson(files.readString(dir + "/" + Lineage.FILE));
            Scaler scaler = Scaler.fromJson(files.readString(dir + "/" + ModelBundle.SCALER));
            Saved saved = JSON.readValue(files.readString(dir + "/" + STATE), Saved.class);
            String epochDir = dir + "/epoch-" + saved.completedEpochs();
            MultiLayerNetwork network;
            try (InputStream in = files.open(epochDir + "/model.zip")) {
                network = ModelSerializer.restoreMultiLayerNetwork(in, true);
            }
            INDArray best = saved.hasBest() ? readArray(epochDir + "/best-params.bin") : null;
            INDArray average = saved.averagedEpochs() > 0 ? readArray(epochDir + "/average-params.bin") : null;
            double bestAccuracy = saved.bestAccuracy() == null ? Double.NEGATIVE_INFINITY : saved.bestAccuracy();
            return Optional.of(new Resumed(network, new TrainingState(saved.completedEpochs(), bestAccuracy,
                    saved.sinceBest(), best, saved.history(), average, saved.averagedEpochs()), lineage, scaler));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the checkpoint in " + dir, e);
        }
    }

    private INDArray readArray(String path) throws IOException {
        try (InputStream in = files.open(path)) {
            return Nd4j.read(new DataInputStream(in));
        }
    }

    private static byte[] toBytes(INDArray array) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(out)) {
            Nd4j.write(array, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

}
