package io.streamtrain.testing;

import com.typesafe.config.ConfigUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One sentinel secret in every secret-bearing key of Kafka clients, Hadoop (S3A, Azure, GCS) and Spark, as a user's
 * {@code --conf} file holds them. Local runs ignore them all: the embedded broker speaks PLAINTEXT, so Kafka never
 * reads its SASL and SSL settings, and no file system other than the local one is touched.
 */
public final class SecretFixtures {

    /** Found anywhere a run wrote, it is a leak. */
    public static final String SENTINEL = "SENTINEL-5f3a9c";

    /** The environment variable failsafe sets to a sentinel, read through {@code ${?...}} by {@link #ENV_KEY}. */
    public static final String ENV_VAR = "STREAMTRAIN_TEST_SECRET";
    public static final String ENV_KEY = "spark.hadoop.fs.s3a.bucket.from-env.secret.key";

    private static final String PEM = "-----BEGIN PRIVATE KEY-----\n" + SENTINEL + "\n-----END PRIVATE KEY-----";

    /** {@code kafka.properties}: each key with a value holding the sentinel. */
    public static final Map<String, String> KAFKA = ordered(
            "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"app\""
                    + " password=\"" + SENTINEL + "\";",
            "ssl.key.password", SENTINEL,
            "ssl.keystore.password", SENTINEL,
            "ssl.truststore.password", SENTINEL,
            "ssl.keystore.key", PEM,
            "basic.auth.user.info", "app:" + SENTINEL,
            "schema.registry.basic.auth.user.info", "app:" + SENTINEL,
            "bearer.auth.token", SENTINEL,
            "sasl.oauthbearer.client.credentials.client.secret", SENTINEL,
            "sasl.oauthbearer.assertion.private.key.passphrase", SENTINEL);

    /** {@code spark.conf}: Hadoop's S3A, Azure and GCS keys under spark.hadoop., and Spark's own secrets. */
    public static final Map<String, String> SPARK = ordered(
            "spark.hadoop.fs.s3a.access.key", SENTINEL,
            "spark.hadoop.fs.s3a.secret.key", SENTINEL,
            "spark.hadoop.fs.s3a.session.token", SENTINEL,
            "spark.hadoop.fs.s3a.bucket.b1.access.key", SENTINEL,
            "spark.hadoop.fs.s3a.bucket.b1.secret.key", SENTINEL,
            "spark.hadoop.fs.s3a.encryption.key", SENTINEL,
            "spark.hadoop.fs.s3a.server-side-encryption.key", SENTINEL,
            "spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net", SENTINEL,
            "spark.hadoop.fs.azure.sas.container.acct.blob.core.windows.net", SENTINEL,
            "spark.hadoop.fs.azure.sas.fixed.token", SENTINEL,
            "spark.hadoop.fs.azure.account.oauth2.client.secret", SENTINEL,
            "spark.hadoop.fs.gs.auth.service.account.private.key", PEM,
            "spark.hadoop.fs.gs.auth.service.account.private.key.id", SENTINEL,
            "spark.hadoop.fs.gs.auth.client.secret", SENTINEL,
            "spark.authenticate.secret", SENTINEL,
            "spark.ssl.keyPassword", SENTINEL,
            "spark.ssl.keyStorePassword", SENTINEL,
            "spark.ssl.trustStorePassword", SENTINEL,
            "spark.kubernetes.authenticate.submission.oauthToken", SENTINEL,
            "spark.executorEnv.API_TOKEN", SENTINEL,
            "spark.yarn.appMasterEnv.DB_PASSWORD", SENTINEL,
            // A key that does not look secret with a value that does: a URI's password.
            "spark.hadoop.fs.s3a.endpoint", "https://app:" + SENTINEL + "@s3.example.com");

    /** Pass-through keys that are not secrets: kept as written. */
    public static final Map<String, String> NOT_SECRET = Map.of(
            "spark.hadoop.fs.azure.account.oauth2.client.id", "client-id-1",
            "spark.hadoop.google.cloud.auth.service.account.json.keyfile", "/etc/keys/gcs.json");

    private SecretFixtures() {
    }

    /**
     * A HOCON file with every key above, a comment quoting the sentinel, and {@link #ENV_KEY} read from the
     * environment; {@code extra} is appended as written.
     */
    public static Path confFile(Path dir, String extra) {
        StringBuilder sb = new StringBuilder("# The old password was " + SENTINEL + "; rotated.\n");
        sb.append("kafka.properties {\n");
        KAFKA.forEach((k, v) -> setting(sb, k, v));
        sb.append("}\nspark.conf {\n");
        SPARK.forEach((k, v) -> setting(sb, k, v));
        NOT_SECRET.forEach((k, v) -> setting(sb, k, v));
        sb.append("  # ").append(SENTINEL).append(" again, inside a block\n");
        sb.append("  \"").append(ENV_KEY).append("\" = ${?").append(ENV_VAR).append("}\n");
        sb.append("}\n").append(extra).append('\n');
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("secrets.conf");
            Files.writeString(file, sb.toString());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void setting(StringBuilder sb, String key, String value) {
        sb.append("  ").append(ConfigUtil.quoteString(key)).append(" = ").append(ConfigUtil.quoteString(value))
                .append('\n');
    }

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }
}
