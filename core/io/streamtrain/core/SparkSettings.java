package io.streamtrain.core;

import java.util.Map;

/**
 * How to build the Spark session.
 *
 * @param appName shown in the Spark UI and YARN
 * @param conf    Spark settings applied unless spark-submit already set them, so {@code --master} and
 *                {@code --conf} on the command line always win
 * @param sizing  partition and file sizes
 * @param encryption Parquet modular encryption, which every session must know to read encrypted tables
 */
public record SparkSettings(String appName, Map<String, String> conf, Sizing sizing, EncryptionSettings encryption) {

    public static final String APP_NAME = "spark.app-name";
    public static final String CONF = "spark.conf";

    public SparkSettings {
        conf = Map.copyOf(conf);
    }

    /** Settings without encryption. */
    public SparkSettings(String appName, Map<String, String> conf, Sizing sizing) {
        this(appName, conf, sizing, EncryptionSettings.OFF);
    }

    @Override
    public String toString() {
        return "SparkSettings[appName=" + appName + ", conf=" + Redaction.redact(conf) + ", sizing=" + sizing
                + ", encryption="
                + (encryption.enabled() ? encryption.kms() : "off") + "]";
    }

    public static SparkSettings from(Settings s) {
        return new SparkSettings(s.nonBlank(APP_NAME), s.stringMap(CONF), Sizing.from(s), EncryptionSettings.from(s));
    }
}
