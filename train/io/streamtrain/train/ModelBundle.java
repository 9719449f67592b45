package io.streamtrain.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RunId;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import io.streamtrain.preprocess.Scaler;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A trained model with what it takes to use it: {@code models/<run-id>/} holds {@code model.zip} (with updater state,
 * so training can continue), {@code scaler.json} and {@code config.conf} (the effective configuration, secrets
 * masked, no comments) and {@code lineage.json} (see {@link Lineage}). {@code models/latest} names the newest bundle
 * and is moved only after a bundle is complete.
 *
 * @param runId   the training run
 * @param network the trained network
 * @param scaler  the feature scaling the network was trained with
 */
public record ModelBundle(String runId, MultiLayerNetwork network, Scaler scaler) {

    public static final String MODEL = "model.zip";
    /** The entry of DL4J's model zip that holds the network's configuration. */
    private static final String CONFIGURATION = "configuration.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String SCALER = "scaler.json";
    public static final String CONFIG = "config.conf";

    /** Writes the bundle, then moves {@code latest} to it (an atomic replace, after everything else is written). */
    public void save(HadoopFiles files, Warehouse warehouse, String effectiveConfig, Lineage lineage) {
        String dir = warehouse.model(runId);
        files.writeBytes(dir + "/" + MODEL, serialize(network));
        files.writeString(dir + "/" + SCALER, scaler.toJson());
        files.writeString(dir + "/" + CONFIG, effectiveConfig);
        files.writeString(dir + "/" + Lineage.FILE, lineage.toJson());
        files.writeString(warehouse.latestModelPointer(), runId + "\n");
    }

    /** The lineage of bundle {@code runId}; a warm start cannot tell new data from old without it. */
    public static Lineage lineage(HadoopFiles files, Warehouse warehouse, String runId) {
        String path = warehouse.model(runId) + "/" + Lineage.FILE;
        if (!files.exists(path)) {
            throw new UserException("Model " + runId + " has no " + path + ", so the data it was trained on"
                    + " is unknown; warm-start from a model trained by this version of streamtrain");
        }
        return Lineage.fromJson(files.readString(path));
    }

    /** What users write for the newest model ({@code --model latest}, {@code --warm-start latest}). */
    public static final String LATEST = "latest";

    /**
     * Checks, without loading it, that the bundle {@code runId} (a run id, or null or "latest" for the newest) exists,
     * and returns its folder. The id and the pointer's content must be run ids, so neither reaches outside
     * {@code models/}.
     */
    public static String requireExisting(HadoopFiles files, Warehouse warehouse, String runId) {
        String dir = warehouse.model(resolve(files, warehouse, runId));
        if (!files.exists(dir + "/" + MODEL)) {
            throw new UserException("No model bundle at " + dir + " (missing " + MODEL + "): check the run id, or"
                    + " run train first");
        }
        return dir;
    }

    /**
     * The folder of bundle {@code runId} (a run id, or null or "latest"), checked to exist and to fit a schema of
     * {@code features} and {@code classes}: what a stage that reads a model checks before anything starts.
     */
    public static String requireUsable(HadoopFiles files, Warehouse warehouse, String runId, int features,
                                       int classes) {
        String dir = requireExisting(files, warehouse, runId);
        requireFits(files, dir, features, classes);
        return dir;
    }

    /**
     * Checks, from the bundle's {@code configuration.json} alone (no network is built), that the model predicts the
     * schema's classes and, when it starts with a dense layer, reads the schema's features: a model trained under
     * another schema would otherwise fail inside a Spark task.
     */
    static void requireFits(HadoopFiles files, String dir, int features, int classes) {
        JsonNode confs = null;
        try (ZipInputStream zip = new ZipInputStream(files.open(dir + "/" + MODEL))) {
            for (ZipEntry e = zip.getNextEntry(); e != null && confs == null; e = zip.getNextEntry()) {
                if (CONFIGURATION.equals(e.getName())) {
                    confs = JSON.readTree(zip.readAllBytes()).get("confs");
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new UserException(dir + "/" + MODEL + " cannot be read as a DL4J model ("
                    + e.getClass().getSimpleName() + "): train it again, or name another model");
        }
        if (confs == null || !confs.isArray() || confs.isEmpty()) {
            throw new UserException(dir + "/" + MODEL + " holds no network configuration (" + CONFIGURATION
                    + "): train it again, or name another model");
        }
        long predicts = confs.get(confs.size() - 1).path("layer").path("nout").asLong(-1);
        if (predicts != classes) {
            throw new UserException("The model in " + dir + " predicts " + predicts + " classes but schema.labels has "
                    + classes + ": use it with the schema it was trained with, or train a new model");
        }
        JsonNode first = confs.get(0).path("layer");
        long reads = first.path("nin").asLong(-1);
        if (first.path("@class").asText().endsWith(".DenseLayer") && reads != features) {
            throw new UserException("The model in " + dir + " reads " + reads + " features but schema.feature-count"
                    + " is " + features + ": use it with the schema it was trained with, or train a new model");
        }
    }

    /** The run id {@code runId} names: itself, or for null and "latest" the one the pointer holds. */
    static String resolve(HadoopFiles files, Warehouse warehouse, String runId) {
        if (runId != null && !runId.equals(LATEST)) {
            return RunId.validate(runId);
        }
        String pointer = warehouse.latestModelPointer();
        if (!files.exists(pointer)) {
            throw new UserException("No trained model: " + pointer + " does not exist; run train first");
        }
        String id = files.readString(pointer).trim();
        try {
            return RunId.validate(id);
        } catch (ConfigException e) {
            throw new UserException(pointer + " does not hold a run id (its first characters are not a valid id):"
                    + " run train again, or write the id of a model under " + warehouse.root() + "/models into it");
        }
    }

    /** Loads {@code models/<runId>}, or the bundle {@code models/latest} names when runId is null or "latest". */
    public static ModelBundle load(HadoopFiles files, Warehouse warehouse, String runId) {
        String id = resolve(files, warehouse, runId);
        String dir = requireExisting(files, warehouse, id);
        try (InputStream in = files.open(dir + "/" + MODEL)) {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(in, true);
            return new ModelBundle(id, net, Scaler.fromJson(files.readString(dir + "/" + SCALER)));
        } catch (IOException | RuntimeException e) {
            throw new UserException("Cannot read the model in " + dir + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "): train it again, or name another model", e);
        }
    }

    /** The model zip with updater state, as bytes. */
    public static byte[] serialize(MultiLayerNetwork network) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(network, out, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
