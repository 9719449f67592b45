package io.streamtrain.core;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import scala.Option;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** The one place a production {@link SparkSession} is built. Tests build theirs in their own extension. */
public final class Sessions {

    private static final String REDACTION_REGEX = "spark.redaction.regex";
    private static final String ADVISORY_BYTES = "spark.sql.adaptive.advisoryPartitionSizeInBytes";
    /** Masters Spark knows: local[N], local-cluster[...], spark://, yarn, k8s://, mesos://. */
    private static final Pattern MASTER = Pattern.compile(
            "local(\\[(\\*|\\d+)(,\\d+)?])?|local-cluster\\[\\d+, *\\d+, *\\d+]|spark://\\S+|yarn|k8s://\\S+|mesos://\\S+");

    private Sessions() {
    }

    public static SparkSession create(SparkSettings settings) {
        // Settings given by spark-submit arrive as system properties; SparkConf reads them.
        SparkConf submitted = new SparkConf();
        Map<String, String> fromSubmit = SparkSettings.submitted();
        settings.commit().requireCompatible(fromSubmit, k -> "spark-submit --conf " + k);
        SparkSession.Builder builder = SparkSession.builder().appName(settings.appName());
        for (Map.Entry<String, String> e : settings.conf().entrySet()) {
            if (!submitted.contains(e.getKey())) {
                builder.config(e.getKey(), e.getValue());
            }
        }
        if (!submitted.contains(REDACTION_REGEX) && !settings.conf().containsKey(REDACTION_REGEX)) {
            // Spark's default pattern leaves Azure, GCS, S3A encryption and PEM keys readable in the UI and event logs.
            builder.config(REDACTION_REGEX, Redaction.SPARK_REDACTION_REGEX);
        }
        if (!submitted.contains(ADVISORY_BYTES) && !settings.conf().containsKey(ADVISORY_BYTES)) {
            // Adaptive execution coalesces small shuffle partitions towards the same size the stages plan with.
            builder.config(ADVISORY_BYTES, String.valueOf(settings.sizing().partitionBytes()));
        }
        // Parquet's crypto factory reads the KMS from the Hadoop configuration, on the driver and on executors.
        settings.encryption().hadoopConf().forEach((k, v) -> builder.config("spark.hadoop." + k, v));
        String master = requireMaster(settings);
        Map<String, String> effective = new HashMap<>(settings.conf());
        effective.putAll(fromSubmit);
        if (isLocal(master)) {
            settings.commit().localStaging().forEach((k, v) -> {
                if (!effective.containsKey(k)) {
                    builder.config(k, v);
                }
            });
        } else {
            settings.commit().requireSharedStaging(effective, new Configuration().get("fs.defaultFS"));
        }
        SparkSession spark = builder.getOrCreate();
        // Long steps report their progress (tasks, records/s, time left), whichever stage runs them.
        SparkProgress.watch(spark.sparkContext());
        Watchdog.progress("Spark session up");
        return spark;
    }


    /**
     * The master this run will use, from spark-submit (a system property) or the config; refuses a missing or
     * malformed one before anything starts.
     */
    public static String requireMaster(SparkSettings settings) {
        String key = SparkSettings.key("spark.master");
        Option<String> submitted = new SparkConf().getOption("spark.master");
        String master = submitted.isDefined() ? submitted.get() : settings.conf().get("spark.master");
        if (master == null) {
            throw new ConfigException("no Spark master for '" + key + "': run through spark-submit --master ...,"
                    + " or add --conf conf/local.conf");
        }
        if (!MASTER.matcher(master.trim()).matches()) {
            throw new ConfigException(key, master, "must be local[*], local[N], spark://host:port, yarn or k8s://...");
        }
        return master.trim();
    }

    /** Whether executors run on this machine only (loopback addresses reach them). */
    public static boolean isLocal(String master) {
        return master.startsWith("local");
    }
}
