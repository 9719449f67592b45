package io.streamtrain.core;

import io.streamtrain.core.table.Table;

/**
 * The one folder everything lands in: a local path, {@code hdfs://...} or {@code s3a://...}. Only paths are built
 * here; reading and writing is the stages' business.
 *
 * @param root the warehouse root, without a trailing slash
 */
public record Warehouse(String root) {

    public static final String KEY = "warehouse";

    public Warehouse {
        if (root == null || root.isBlank()) {
            throw new ConfigException(KEY, root, "must be a path or URI such as ./warehouse or s3a://bucket/streamtrain");
        }
        while (root.length() > 1 && root.endsWith("/")) {
            root = root.substring(0, root.length() - 1);
        }
    }

    public static Warehouse from(Settings settings) {
        return new Warehouse(settings.nonBlank(KEY));
    }

    public String table(Table table) {
        return root + "/" + table.relativePath();
    }

    /** {@code models/<run-id>}: one trained model bundle. */
    public String model(String runId) {
        return root + "/models/" + runId;
    }

    /** {@code models/latest}: a one-line file naming the newest successful model run. */
    public String latestModelPointer() {
        return root + "/models/latest";
    }

    /**
     * {@code models/champion}: a one-line file naming the model evaluate's promotion gate last promoted (the one to
     * serve); moved only by {@code evaluate --gate}.
     */
    public String championModelPointer() {
        return root + "/models/champion";
    }

    /** {@code reports/<run-id>}: metrics.csv, metrics.md, index.html and the plots of one evaluation. */
    public String report(String runId) {
        return root + "/reports/" + runId;
    }

    /** Streaming checkpoints and other bookkeeping that users never query. */
    public String internal(String name) {
        return root + "/_" + name;
    }
}
