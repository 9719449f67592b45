package io.streamtrain.core;

import org.apache.spark.SparkConf;
import scala.Tuple2;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How to build the Spark session.
 *
 * @param appName shown in the Spark UI and YARN
 * @param conf    Spark settings applied unless spark-submit already set them, so {@code --master} and
 *                {@code --conf} on the command line always win
 * @param sizing  partition and file sizes
 * @param encryption Parquet modular encryption, which every session must know to read encrypted tables
 * @param commit  how table writes commit on the warehouse's file system; its session settings are in {@code conf}
 */
public record SparkSettings(String appName, Map<String, String> conf, Sizing sizing, EncryptionSettings encryption,
                            WarehouseCommit commit) {

    public static final String APP_NAME = "spark.app-name";
    public static final String CONF = "spark.conf";

    public SparkSettings {
        conf = Map.copyOf(conf);
    }

    @Override
    public String toString() {
        return "SparkSettings[appName=" + appName + ", conf=" + Redaction.redact(conf) + ", sizing=" + sizing
                + ", encryption="
                + (encryption.enabled() ? encryption.kms() : "off") + ", commit=" + commit + "]";
    }

    /** The settings under {@code spark}, with what the warehouse's commit needs added to {@code spark.conf}. */
    public static SparkSettings from(Settings s) {
        String warehouse = Warehouse.from(s).root();
        WarehouseCommit commit = WarehouseCommit.of(warehouse);
        Map<String, String> given = s.stringMap(CONF);
        Map<String, String> conf = new LinkedHashMap<>(commit.sessionConf(warehouse, given, SparkSettings::key));
        conf.putAll(given);
        return new SparkSettings(s.nonBlank(APP_NAME), conf, Sizing.from(s), EncryptionSettings.from(s), commit);
    }

    /** The Spark settings spark-submit gave this JVM (as system properties, which {@link SparkConf} reads). */
    public static Map<String, String> submitted() {
        Map<String, String> out = new HashMap<>();
        for (Tuple2<String, String> setting : new SparkConf().getAll()) {
            out.put(setting._1(), setting._2());
        }
        return out;
    }

    /** How messages name the {@code spark.conf} key {@code sparkKey}. */
    public static String key(String sparkKey) {
        return CONF + ".\"" + sparkKey + "\"";
    }
}
