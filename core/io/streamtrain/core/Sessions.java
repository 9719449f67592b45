package io.streamtrain.core;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.util.Map;

/** The one place a production {@link SparkSession} is built. Tests build theirs in their own extension. */
public final class Sessions {

    private Sessions() {
    }

    public static SparkSession create(SparkSettings settings) {
        // Settings given by spark-submit arrive as system properties; SparkConf reads them.
        SparkConf submitted = new SparkConf();
        SparkSession.Builder builder = SparkSession.builder().appName(settings.appName());
        for (Map.Entry<String, String> e : settings.conf().entrySet()) {
            if (!submitted.contains(e.getKey())) {
                builder.config(e.getKey(), e.getValue());
            }
        }
        if (!submitted.contains("spark.master") && !settings.conf().containsKey("spark.master")) {
            throw new ConfigException(SparkSettings.CONF + ".\"spark.master\"", "<missing>",
                    "no Spark master: run through spark-submit --master ..., or use conf/local.conf");
        }
        return builder.getOrCreate();
    }
}
