package io.streamtrain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.ConfigException;
import io.streamtrain.core.HadoopFiles;
import io.streamtrain.core.RunId;
import io.streamtrain.core.UserException;
import io.streamtrain.core.Warehouse;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A trained model with what it takes to use it: {@code models/<run-id>/} holds {@code model.zip} (with updater state,
 * so training can continue), {@code scaler.json} and {@code config.conf} (the effective configuration, secrets
 * masked, no comments) and {@code lineage.json} (see {@link Lineage}); {@code compressed/<kind>/} holds compressed
 * copies for serving ({@link ModelCopies}), named {@code RUN:KIND} and used with the bundle's scaler. {@code models/latest} names the newest bundle
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

    /** What {@code explain} leaves in a model's (or a copy's) folder, for its evaluation report. */
    public static final String EXPLANATIONS = "explanations.html";

    /**
     * Writes the bundle, moves {@code latest} to it (an atomic replace), and writes the lineage last: a bundle with its
     * lineage is complete ({@link #complete}), and {@code latest} named it once. What earlier weights of the same run
     * id left (compressed copies, explanations) is deleted first: it no longer describes this model.
     */
    public void save(HadoopFiles files, Warehouse warehouse, String effectiveConfig, Lineage lineage) {
        String dir = warehouse.model(runId);
        files.deleteRecursively(dir + "/" + COMPRESSED);
        files.deleteRecursively(dir + "/" + EXPLANATIONS);
        files.writeBytes(dir + "/" + MODEL, serialize(network));
        files.writeString(dir + "/" + SCALER, scaler.toJson());
        files.writeString(dir + "/" + CONFIG, effectiveConfig);
        files.writeString(warehouse.latestModelPointer(), runId + "\n");
        files.writeString(dir + "/" + Lineage.FILE, lineage.toJson());
    }

    /** Whether {@link #save} of bundle {@code runId} went to its end. */
    public static boolean complete(HadoopFiles files, Warehouse warehouse, String runId) {
        String dir = warehouse.model(runId);
        return Stream.of(MODEL, SCALER, CONFIG, Lineage.FILE).allMatch(f -> files.exists(dir + "/" + f));
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
    /** The model the promotion gate last promoted, as {@code models/champion} names it. */
    public static final String CHAMPION = "champion";

    /**
     * Checks, without loading it, that the bundle {@code runId} (a run id, or null or "latest" for the newest) exists,
     * and returns its folder. The id and the pointer's content must be run ids, so neither reaches outside
     * {@code models/}.
     */
    public static String requireExisting(HadoopFiles files, Warehouse warehouse, String runId) {
        String id = resolve(files, warehouse, runId);
        String copy = copyOf(id);
        String dir = directory(warehouse, id);
        if (copy != null) {
            if (!files.exists(warehouse.model(runOf(id)) + "/" + MODEL)) {
                throw new UserException("No model bundle at " + warehouse.model(runOf(id)) + " (missing " + MODEL
                        + "): check the run id, or run train first");
            }
            if (!files.exists(dir + "/" + ModelCopies.FILE)) {
                throw new UserException("Model " + runOf(id) + " has no " + copy + " copy (missing " + dir + "/"
                        + ModelCopies.FILE + "): run compress --model " + runOf(id) + " first");
            }
            return dir;
        }
        if (!files.exists(dir + "/" + MODEL)) {
            throw new UserException("No model bundle at " + dir + " (missing " + MODEL + "): check the run id, or"
                    + " run train first");
        }
        return dir;
    }

    /** Between a run id and a compressed copy's kind in a model reference: {@code 2026-11-23:int8}. */
    public static final char COPY_SEPARATOR = ':';
    /** The folder under a bundle that holds its compressed copies, one folder per kind. */
    public static final String COMPRESSED = "compressed";

    /** The HTML fragment of a model's latest compression, {@code models/<run>/compressed/report.html}. */
    public static String compressionSummary(Warehouse warehouse, String run) {
        return warehouse.model(run) + "/" + COMPRESSED + "/report.html";
    }

    /** The HTML fragment of a model's latest explanation, {@code explanations.html} in the model's folder. */
    public static String explanationSummary(Warehouse warehouse, String modelId) {
        return directory(warehouse, modelId) + "/" + EXPLANATIONS;
    }

    /**
     * The folder of a model reference that {@link #resolve} returned: {@code models/<run>} for a bundle,
     * {@code models/<run>/compressed/<kind>} for a compressed copy (whose model file is {@link ModelCopies#FILE}).
     */
    public static String directory(Warehouse warehouse, String resolvedId) {
        String copy = copyOf(resolvedId);
        String dir = warehouse.model(runOf(resolvedId));
        return copy == null ? dir : dir + "/" + COMPRESSED + "/" + copy;
    }

    /** The model file inside {@link #directory}: {@code model.zip}, or a copy's {@code weights.zip}. */
    public static String modelFile(Warehouse warehouse, String resolvedId) {
        return directory(warehouse, resolvedId) + "/" + (copyOf(resolvedId) == null ? MODEL : ModelCopies.FILE);
    }

    /** The run id of a reference {@code RUN} or {@code RUN:COPY}. */
    public static String runOf(String reference) {
        int at = reference.indexOf(COPY_SEPARATOR);
        return at < 0 ? reference : reference.substring(0, at);
    }

    /** The copy's kind of a reference {@code RUN:COPY} ({@code int8}), or null for a bundle. */
    public static String copyOf(String reference) {
        int at = reference.indexOf(COPY_SEPARATOR);
        return at < 0 ? null : reference.substring(at + 1);
    }

    /**
     * The folder of bundle {@code runId} (a run id, or null or "latest"), checked to exist and to fit a schema of
     * {@code features} and {@code classes}: what a stage that reads a model checks before anything starts.
     */
    public static String requireUsable(HadoopFiles files, Warehouse warehouse, String runId, int features,
                                       int classes) {
        String dir = requireExisting(files, warehouse, runId);
        requireFits(files, modelFile(warehouse, resolve(files, warehouse, runId)), features, classes);
        return dir;
    }

    /**
     * Checks, from the bundle's {@code configuration.json} alone (no network is built), that the model predicts the
     * schema's classes and, when it starts with a dense layer, reads the schema's features: a model trained under
     * another schema would otherwise fail inside a Spark task.
     */
    static void requireFits(HadoopFiles files, String modelFile, int features, int classes) {
        String dir = modelFile.substring(0, modelFile.lastIndexOf('/'));
        String file = modelFile.substring(dir.length() + 1);
        JsonNode confs = null;
        try (ZipInputStream zip = new ZipInputStream(files.open(modelFile))) {
            for (ZipEntry e = zip.getNextEntry(); e != null && confs == null; e = zip.getNextEntry()) {
                if (CONFIGURATION.equals(e.getName())) {
                    confs = JSON.readTree(zip.readAllBytes()).get("confs");
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new UserException(modelFile + " cannot be read as a DL4J model ("
                    + e.getClass().getSimpleName() + "): train it again, or name another model");
        }
        if (confs == null || !confs.isArray() || confs.isEmpty()) {
            throw new UserException(modelFile + " holds no network configuration (" + CONFIGURATION
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

    /**
     * The run id {@code runId} names: itself, for null and "latest" the one {@code models/latest} holds, for
     * "champion" the one {@code models/champion} holds.
     */
    public static String resolve(HadoopFiles files, Warehouse warehouse, String runId) {
        if (runId != null && runId.indexOf(COPY_SEPARATOR) >= 0) {
            String copy = copyOf(runId);
            if (ModelCopies.Kind.parse(copy) == null) {
                throw new ConfigException("--model", runId, "names no compressed copy: after '" + COPY_SEPARATOR
                        + "' write one of " + Arrays.stream(ModelCopies.Kind.values())
                        .map(ModelCopies.Kind::id).toList());
            }
            return resolve(files, warehouse, runOf(runId)) + COPY_SEPARATOR + copy;
        }
        if (CHAMPION.equals(runId)) {
            String champion = champion(files, warehouse);
            if (champion == null) {
                throw new UserException("No champion: " + warehouse.championModelPointer() + " does not exist; run"
                        + " evaluate --gate first, or name a model with --model");
            }
            return champion;
        }
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

    /** The run id {@code models/champion} names, or null when no model has been promoted yet. */
    public static String champion(HadoopFiles files, Warehouse warehouse) {
        String pointer = warehouse.championModelPointer();
        if (!files.exists(pointer)) {
            return null;
        }
        String id = files.readString(pointer).trim();
        try {
            return RunId.validate(id);
        } catch (ConfigException e) {
            throw new UserException(pointer + " does not hold a run id: write the id of a model under "
                    + warehouse.root() + "/models into it, or delete it to promote the next gated model");
        }
    }

    /**
     * Loads {@code models/<runId>}, or the bundle {@code models/latest} names when runId is null or "latest"; a
     * reference {@code RUN:COPY} loads that compressed copy (see {@link ModelCopies}), dequantised, with the bundle's
     * scaler, under the id {@code RUN:COPY}.
     */
    public static ModelBundle load(HadoopFiles files, Warehouse warehouse, String runId) {
        String id = resolve(files, warehouse, runId);
        String dir = requireExisting(files, warehouse, id);
        if (copyOf(id) != null) {
            try (InputStream in = files.open(dir + "/" + ModelCopies.FILE)) {
                MultiLayerNetwork net = ModelCopies.read(in.readAllBytes());
                return new ModelBundle(id, net, Scaler.fromJson(files.readString(warehouse.model(runOf(id)) + "/"
                        + SCALER)));
            } catch (IOException | RuntimeException e) {
                throw new UserException("Cannot read the compressed copy in " + dir + " (" + e.getClass()
                        .getSimpleName() + ": " + e.getMessage() + "): run compress again", e);
            }
        }
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
